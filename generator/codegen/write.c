/*
 * SPDX-License-Identifier: MIT
 *
 * write.c — atomic output files for `shmgen generate` (see write.h and
 * shmgen_gen_write_file_atomic in generate.h); a file that would not change
 * is not touched.  Depends on libc/POSIX only.
 */
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shmgen_gen/generate.h"

/* mkdir -p of path's directory; 0 or -1 with errno. */
static int make_parent_dirs(const char *path)
{
    char *p = strdup(path), *slash = p ? strrchr(p, '/') : NULL;
    int rc = 0;
    if (!p) return -1;
    if (slash) *slash = '\0';
    for (char *s = p + 1; slash && rc == 0; s++) {
        bool end = *s == '\0';
        if (*s != '/' && !end) continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) rc = -1;
        if (end) break;
        *s = '/';
    }
    free(p);
    return rc;
}

/* Writes data to a fresh temporary beside `path`; returns its malloc'ed name or NULL (errno set). */
static char *write_temp(const char *path, const char *data, size_t len)
{
    static unsigned counter;
    char *tmp = NULL;
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        free(tmp);
        if (asprintf(&tmp, "%s.tmp.%ld.%u", path, (long)getpid(), counter++) < 0) return NULL;
        /* O_EXCL: never reuse someone else's file; mode 0666 lets umask decide, like any output */
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) goto fail;
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) goto fail;
        done += (size_t)n;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return tmp;
fail:;
    int saved = errno;
    if (fd >= 0) close(fd), unlink(tmp);
    free(tmp);
    errno = saved;
    return NULL;
}

int shmgen_gen_write_file_atomic(const char *path, const char *data, size_t len)
{
    char *tmp = write_temp(path, data, len);
    int saved;
    if (!tmp) return -1;
    if (rename(tmp, path) == 0) {
        free(tmp);
        return 0;
    }
    saved = errno;
    unlink(tmp);
    free(tmp);
    errno = saved;
    return -1;
}

static void io_error(shmgen_diags_t *diags, const char *path, const char *what)
{
    shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){NULL, 0, 0}, "cannot %s '%s': %s", what, path,
                    strerror(errno));
}

/* True when path holds exactly data (a regular file of len bytes with those
 * bytes); any doubt (missing, unreadable, a short read) is false. */
static bool same_bytes(const char *path, const char *data, size_t len)
{
    char chunk[8192];
    size_t done = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    bool same = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
    while (same && done < len) {
        size_t want = len - done < sizeof chunk ? len - done : sizeof chunk;
        ssize_t n = read(fd, chunk, want);
        if (n < 0 && errno == EINTR) continue;
        same = n > 0 && memcmp(chunk, data + done, (size_t)n) == 0;
        if (same) done += (size_t)n;
    }
    if (fd >= 0) close(fd);
    return same;
}

#define MAX_FILES 4

int shmgen__write_files(const shmgen__out_file_t *files, size_t n, shmgen_diags_t *diags)
{
    char *tmp[MAX_FILES] = {0};
    size_t made = 0, renamed = 0;
    if (n > MAX_FILES) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){NULL, 0, 0}, "internal: %zu output files", n);
        return -1;
    }
    for (; made < n; made++) {
        const shmgen__out_file_t *f = &files[made];
        if (same_bytes(f->path, f->data->data ? f->data->data : "", f->data->len)) continue; /* tmp[made] stays NULL */
        if (make_parent_dirs(f->path) != 0) {
            io_error(diags, f->path, "create the directory of");
            break;
        }
        if (!(tmp[made] = write_temp(f->path, f->data->data ? f->data->data : "", f->data->len))) {
            io_error(diags, f->path, "write");
            break;
        }
    }
    for (; made == n && renamed < n; renamed++)
        if (tmp[renamed] && rename(tmp[renamed], files[renamed].path) != 0) {
            io_error(diags, files[renamed].path, "rename into");
            break;
        }
    /* after a successful rename a temporary's name is gone already */
    for (size_t i = 0; i < made; i++)
        if (tmp[i]) unlink(tmp[i]), free(tmp[i]);
    return made == n && renamed == n ? 0 : -1;
}

int shmgen__touch_stamp(const char *path, shmgen_diags_t *diags)
{
    int fd;
    if (make_parent_dirs(path) != 0) {
        io_error(diags, path, "create the directory of");
        return -1;
    }
    /* O_NOFOLLOW|O_NONBLOCK: a symlink or FIFO planted there is an error, never a wait */
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0666);
    if (fd < 0 || futimens(fd, NULL) != 0) {
        io_error(diags, path, "touch");
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}
