/* SPDX-License-Identifier: MIT */
/* tool.c — see tool.h. */
#include "tool.h"

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char *tool_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    if (!f) return NULL;
    do {
        if (len + 4096 + 1 > cap) {
            char *p = realloc(buf, cap = (cap ? cap * 2 : 8192));
            if (!p) break;
            buf = p;
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0);
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

char *tool_tmpdir(void)
{
    char *t = strdup("/tmp/shmgen-compat-test-XXXXXX");
    if (t && !mkdtemp(t)) {
        free(t);
        return NULL;
    }
    return t;
}

void tool_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void sanitizer_env(void)
{
    /* A sanitizer report in the child must not look like exit 1 or 2. */
    setenv("ASAN_OPTIONS", "exitcode=86:detect_leaks=1", 1);
    setenv("UBSAN_OPTIONS", "exitcode=86:halt_on_error=1:print_stacktrace=1", 1);
}

int tool_run(const char *const *args, char **out, char **err)
{
    return tool_run_program(SHMGEN_EXE, args, out, err);
}

int tool_run_program(const char *exe, const char *const *args, char **out, char **err)
{
    char *dir = tool_tmpdir(), opath[4200], epath[4200];
    const char *argv[64];
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = -1, n = 0;

    if (!dir) return -1;
    snprintf(opath, sizeof opath, "%s/out", dir);
    snprintf(epath, sizeof epath, "%s/err", dir);
    argv[n++] = exe;
    for (; args[n - 1] && n < 63; n++) argv[n] = args[n - 1];
    argv[n] = NULL;
    sanitizer_env();
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&pid, exe, &fa, NULL, (char *const *)argv, environ) == 0 &&
        waitpid(pid, &status, 0) == pid)
        status = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
    else
        status = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (out) *out = tool_read_file(opath);
    if (err) *err = tool_read_file(epath);
    tool_rmdir(dir);
    free(dir);
    return status;
}

static const char json_script[] =
    "import json, sys\n"
    "try:\n"
    "    raw = open(sys.argv[1], 'rb').read().decode('utf-8')\n" /* strict: invalid UTF-8 raises */
    "    d = [json.loads(l) for l in raw.split('\\n') if l] if sys.argv[3] == '1' else json.loads(raw)\n"
    "except Exception as e:\n"
    "    print('not valid UTF-8 JSON:', e, file=sys.stderr)\n"
    "    sys.exit(2)\n"
    "sys.exit(0 if eval(sys.argv[2]) else 1)\n";

int tool_json_check(const char *text, int ndjson, const char *expr)
{
    char *dir = tool_tmpdir(), path[4200], *err = NULL;
    const char *args[] = {"-c", json_script, path, expr, ndjson ? "1" : "0", NULL};
    FILE *f;
    int rc = -1;
    if (!dir) return -1;
    snprintf(path, sizeof path, "%s/doc.json", dir);
    if ((f = fopen(path, "wb")) != NULL) {
        fputs(text ? text : "", f);
        fclose(f);
        rc = tool_run_program("/usr/bin/python3", args, NULL, &err);
        if (rc > 1 && err) fprintf(stderr, "tool_json_check: %s\n", err);
    }
    free(err);
    tool_rmdir(dir);
    free(dir);
    return rc;
}

char *tool_golden(const char *path, const char *got)
{
    if (getenv("SHMGEN_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        if (f) {
            fputs(got, f);
            fclose(f);
        }
    }
    return tool_read_file(path);
}

char *tool_replace(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), count = 0;
    const char *p;
    char *res, *w;
    for (p = s; fl && (p = strstr(p, from)) != NULL; p += fl) count++;
    if (!(res = malloc(strlen(s) + count * (tl > fl ? tl - fl : 0) + 1))) return NULL;
    for (w = res, p = s; *p;) {
        if (fl && strncmp(p, from, fl) == 0) {
            memcpy(w, to, tl);
            w += tl;
            p += fl;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return res;
}
