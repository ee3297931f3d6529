/*
 * generate.c — a generator session: finds templates (--templates DIR first,
 * then the embedded copies), renders segment.h.tmpl and segment.c.tmpl with
 * the schema's context, and writes both files atomically.
 * Depends on context.c, collide.c, the templater and embedded.h (built
 * from templates/).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collide.h"
#include "embedded.h"
#include "shmgen_gen/generate.h"
#include "shmgen_gen/templater.h"

#define HEADER_TEMPLATE "segment.h.tmpl"
#define SOURCE_TEMPLATE "segment.c.tmpl"

struct shmgen_gen {
    char *template_dir;
    shmgen_tmpl_env_t *env;
};

static int read_whole(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    shmgen_buf_t b = {0};
    char chunk[8192];
    size_t n;
    if (!f) return errno == ENOENT ? 1 : -1;
    shmgen_buf_puts(&b, "");
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) shmgen_buf_append(&b, chunk, n);
    if (ferror(f) || b.oom) {
        fclose(f);
        shmgen_buf_free(&b);
        return -1;
    }
    fclose(f);
    *text = b.data;
    *len = b.len;
    return 0;
}

/* The template loader: DIR/name, else the embedded table. */
static int load_template(void *ctx, const char *name, char **text, size_t *len, char **origin)
{
    shmgen_gen_t *g = ctx;
    if (strstr(name, "..")) return 1; /* names are relative to the template roots */
    if (g->template_dir) {
        int rc;
        if (asprintf(origin, "%s/%s", g->template_dir, name) < 0) {
            *origin = NULL;
            return -1;
        }
        if ((rc = read_whole(*origin, text, len)) <= 0) return rc;
        free(*origin);
        *origin = NULL;
    }
    for (size_t i = 0; i < shmgen_embedded_template_count; i++) {
        const shmgen_embedded_template_t *t = &shmgen_embedded_templates[i];
        if (t->name && strcmp(t->name, name) == 0) {
            if (asprintf(origin, "<embedded>/%s", name) < 0) return -1;
            *text = strndup(t->data, t->len);
            *len = t->len;
            return *text ? 0 : -1;
        }
    }
    return 1;
}

shmgen_gen_t *shmgen_gen_new(const shmgen_gen_options_t *opts)
{
    shmgen_gen_t *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    if (opts && opts->template_dir && !(g->template_dir = strdup(opts->template_dir))) goto fail;
    if (!(g->env = shmgen_tmpl_env_new(load_template, g))) goto fail;
    return g;
fail:
    free(g->template_dir);
    free(g);
    return NULL;
}

void shmgen_gen_free(shmgen_gen_t *g)
{
    if (!g) return;
    shmgen_tmpl_env_free(g->env);
    free(g->template_dir);
    free(g);
}

/* The header first, watched for the names it generates (collide.h); the
 * source only when none of them collide. */
int shmgen_gen_render(shmgen_gen_t *g, const shmgen_schema_t *schema, shmgen_buf_t *header, shmgen_buf_t *source,
                      shmgen_diags_t *diags)
{
    shmgen_value_t *ctx = shmgen_gen_context(schema);
    shmgen__names_t *names = shmgen__names_new(schema);
    int rc = -1;
    if (!ctx || !names) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){schema->path, 0, 0}, "out of memory");
    } else {
        shmgen_tmpl_env_watch(g->env, shmgen__names_watch, names);
        rc = shmgen_tmpl_render(g->env, HEADER_TEMPLATE, ctx, header, diags);
        shmgen_tmpl_env_watch(g->env, NULL, NULL);
        if (rc == 0) rc = shmgen__names_check(names, diags);
        if (rc == 0) rc = shmgen_tmpl_render(g->env, SOURCE_TEMPLATE, ctx, source, diags);
    }
    shmgen__names_free(names);
    shmgen_value_free(ctx);
    return rc;
}

/* mkdir -p; 0 or -1 with errno. */
static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    int rc = 0;
    if (!p) return -1;
    for (char *s = p + 1; rc == 0; s++) {
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

/* Both temporaries first, then both renames: a failure before the renames
 * leaves the previous outputs exactly as they were. */
static int write_pair(const char *h_path, const shmgen_buf_t *h, const char *c_path, const shmgen_buf_t *c,
                      shmgen_diags_t *diags)
{
    char *h_tmp = write_temp(h_path, h->data, h->len), *c_tmp = NULL;
    int rc = -1;
    if (!h_tmp) io_error(diags, h_path, "write");
    else if (!(c_tmp = write_temp(c_path, c->data, c->len))) io_error(diags, c_path, "write");
    else if (rename(h_tmp, h_path) != 0) io_error(diags, h_path, "rename into");
    else if (rename(c_tmp, c_path) != 0) io_error(diags, c_path, "rename into");
    else rc = 0;
    if (h_tmp) unlink(h_tmp); /* after a successful rename these names are gone already */
    if (c_tmp) unlink(c_tmp);
    free(h_tmp);
    free(c_tmp);
    return rc;
}

int shmgen_gen_write(shmgen_gen_t *g, const shmgen_schema_t *schema, const char *out_dir, shmgen_diags_t *diags)
{
    shmgen_buf_t h = {0}, c = {0};
    char *h_path = NULL, *c_path = NULL;
    int rc = -1;
    if (shmgen_gen_render(g, schema, &h, &c, diags) != 0) goto done;
    if (asprintf(&h_path, "%s/%s.h", out_dir, schema->segment) < 0) h_path = NULL;
    if (asprintf(&c_path, "%s/%s.c", out_dir, schema->segment) < 0) c_path = NULL;
    if (!h_path || !c_path) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){NULL, 0, 0}, "out of memory");
        goto done;
    }
    if (make_dirs(out_dir) != 0) {
        io_error(diags, out_dir, "create directory");
        goto done;
    }
    rc = write_pair(h_path, &h, c_path, &c, diags);
done:
    shmgen_buf_free(&h);
    shmgen_buf_free(&c);
    free(h_path);
    free(c_path);
    return rc;
}
