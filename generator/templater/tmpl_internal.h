/*
 * SPDX-License-Identifier: MIT
 *
 * tmpl_internal.h — the templater's syntax tree, shared by tmpl_parse.c
 * (text → tree), tmpl_render.c (tree → output) and tmpl_filters.c.
 * Depends on shmgen_gen/templater.h.
 */
#ifndef SHMGEN_TMPL_INTERNAL_H
#define SHMGEN_TMPL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "shmgen_gen/templater.h"

typedef enum tmpl_expr_kind {
    TE_PATH, TE_STR, TE_INT, TE_BOOL, TE_NOT, TE_AND, TE_OR, TE_EQ, TE_NE, TE_CONCAT, TE_FILTER,
} tmpl_expr_kind_t;

typedef struct tmpl_expr tmpl_expr_t;
struct tmpl_expr {
    tmpl_expr_kind_t kind;
    uint32_t line, col;
    char **path;          /* TE_PATH: segments */
    size_t npath;
    shmgen_value_t *lit;  /* TE_STR, TE_INT, TE_BOOL: the constant */
    tmpl_expr_t *lhs, *rhs; /* operators; TE_NOT and TE_FILTER use lhs */
    char *filter;         /* TE_FILTER */
    tmpl_expr_t **args;
    size_t nargs;
};

typedef enum tmpl_node_kind { TN_TEXT, TN_OUT, TN_IF, TN_FOR, TN_INCLUDE } tmpl_node_kind_t;

typedef struct tmpl_node tmpl_node_t;
typedef struct tmpl_nodes {
    tmpl_node_t **items;
    size_t count, cap;
} tmpl_nodes_t;

struct tmpl_node {
    tmpl_node_kind_t kind;
    uint32_t line, col;
    const char *text;     /* TN_TEXT: into the template's source */
    size_t len;
    tmpl_expr_t *expr;    /* TN_OUT, TN_INCLUDE; TN_FOR: the list */
    char *var;            /* TN_FOR */
    tmpl_nodes_t body;    /* TN_FOR */
    tmpl_expr_t **conds;  /* TN_IF: one per if/elif branch */
    tmpl_nodes_t *bodies;
    size_t nbranches;
    tmpl_nodes_t else_body;
};

typedef struct tmpl_template {
    char *name;
    char *origin;  /* diagnostics' FILE */
    char *source;
    size_t len;
    tmpl_nodes_t nodes;
    bool failed;   /* parse error already reported */
    struct tmpl_template *next;
} tmpl_template_t;

/* Parses t->source into t->nodes; on error adds one diagnostic and returns -1. */
int shmgen__tmpl_parse(tmpl_template_t *t, shmgen_diags_t *diags);
void shmgen__tmpl_nodes_free(tmpl_nodes_t *nodes);
void shmgen__tmpl_expr_free(tmpl_expr_t *e);

/* Filter table (tmpl_filters.c).  A filter returns a fresh value or NULL with
 * *err set to a static message fragment. */
typedef shmgen_value_t *(*tmpl_filter_fn)(const shmgen_value_t *in, const shmgen_value_t *const *args,
                                          const char **err);
typedef struct tmpl_filter {
    const char *name;
    size_t min_args, max_args;
    tmpl_filter_fn fn;
} tmpl_filter_t;

const tmpl_filter_t *shmgen__tmpl_filter(const char *name);

#endif
