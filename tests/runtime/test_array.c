/*
 * SPDX-License-Identifier: MIT
 *
 * test_array.c — the `array` kind: binding, bounds-checked get/set/at, raw
 * data pointer, capacity read from the segment, and sharing between handles.
 */
#include "test_segment_util.h"

TestSuite(array, .fini = tu_cleanup);

typedef struct { uint32_t id; float x, y; } item_t;

static const shmgen_struct_desc_t arr_structs[] = {
    {"items", SHMGEN_KIND_ARRAY, sizeof(item_t), _Alignof(item_t), 1000, 0xa1, 1, 0, 0, 0, 0, 0},
    {"counter", SHMGEN_KIND_ATOMIC, 8, 8, 1, 0xa2, 1, 0, 0, 0, 0, 0},
};

static shmgen_layout_t arr_layout(void)
{
    shmgen_layout_t l = {"arrays", 1, 1, 0, 2, arr_structs, 0};
    return l;
}

Test(array, get_set_and_bounds)
{
    const char *name = tu_name("array");
    shmgen_layout_t l = arr_layout();
    shmgen_segment_t *a = NULL, *b = NULL;
    shmgen_struct_info_t info;
    shmgen_array_t arr, other;
    item_t it = {7, 1.5f, -2.0f}, back;

    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &a), 0);
    cr_assert_eq(shmgen_segment_resolve(a, 0, &info), 0);
    cr_assert_eq(shmgen_array_bind(&arr, a, &info), 0);
    cr_assert_eq(shmgen_array_capacity(&arr), 1000);
    cr_assert_eq((uintptr_t)shmgen_array_data(&arr) % 64, 0, "data is cache-line aligned");
    cr_assert_eq(shmgen_array_set(&arr, 999, &it), 0);
    cr_assert_eq(shmgen_array_set(&arr, 1000, &it), SHMGEN_OUT_OF_BOUNDS);
    cr_assert_eq(shmgen_array_get(&arr, 1000, &back), SHMGEN_OUT_OF_BOUNDS);
    cr_assert_eq(shmgen_array_get(&arr, UINT64_MAX, &back), SHMGEN_OUT_OF_BOUNDS);
    cr_assert_null(shmgen_array_at(&arr, 1000));
    cr_assert_eq(shmgen_array_at(&arr, 999), (item_t *)shmgen_array_data(&arr) + 999);

    /* A second attachment (another mapping address) sees the same bytes. */
    cr_assert_eq(shmgen_segment_open(name, &l, NULL, &b), 0);
    cr_assert_eq(shmgen_segment_find(b, "items", &info), 0);
    cr_assert_eq(shmgen_array_bind(&other, b, &info), 0);
    cr_assert_eq(shmgen_array_get(&other, 999, &back), 0);
    cr_assert_eq(back.id, 7);
    cr_assert_float_eq(back.x, 1.5f, 0);
    cr_assert_eq(((item_t *)shmgen_array_at(&other, 0))->id, 0, "fresh memory is zeroed");
    cr_assert_eq(shmgen_segment_close(b), 0);
    cr_assert_eq(shmgen_segment_close(a), 0);
}

Test(array, bind_checks_the_kind)
{
    const char *name = tu_name("arraykind");
    shmgen_layout_t l = arr_layout();
    shmgen_segment_t *seg = NULL;
    shmgen_struct_info_t info;
    shmgen_array_t arr;

    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &seg), 0);
    cr_assert_eq(shmgen_segment_resolve(seg, 1, &info), 0);
    cr_assert_eq(shmgen_array_bind(&arr, seg, &info), SHMGEN_WRONG_KIND);
    cr_assert_eq(shmgen_array_bind(NULL, seg, &info), SHMGEN_INVALID_ARGUMENT);
    info.offset = UINT64_MAX - 10; /* a forged info never yields a pointer */
    info.kind = SHMGEN_KIND_ARRAY;
    cr_assert_eq(shmgen_array_bind(&arr, seg, &info), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

Test(array, capacity_comes_from_the_segment)
{
    const char *name = tu_name("arraycap");
    shmgen_layout_t l = arr_layout();
    shmgen_struct_desc_t bigger[2] = {arr_structs[0], arr_structs[1]};
    shmgen_layout_t lb = {"arrays", 1, 1, 0, 2, bigger, 0};
    shmgen_segment_t *seg = NULL, *b = NULL;
    shmgen_struct_info_t info;
    shmgen_array_t arr;

    bigger[0].capacity = 5000;
    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &seg), 0);
    cr_assert_eq(shmgen_segment_open(name, &lb, NULL, &b), 0);
    cr_assert_eq(shmgen_segment_resolve(b, 0, &info), 0);
    cr_assert_eq(shmgen_array_bind(&arr, b, &info), 0);
    cr_assert_eq(shmgen_array_capacity(&arr), 1000);
    cr_assert_null(shmgen_array_at(&arr, 1000));
    cr_assert_eq(shmgen_segment_close(b), 0);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}
