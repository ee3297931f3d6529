/*
 * SPDX-License-Identifier: MIT
 *
 * args.c — the shared command-line parser (see args.h).  Options are matched
 * exactly (no abbreviations: a script that works today keeps working when an
 * option is added); a near miss gets a suggestion.
 */
#include "args.h"

#include <string.h>

#include "shmgen_schema/diag.h"

/* The index in cmd's option table of the option `arg` names ("--name",
 * "--name=V", "-x", "-xV"); -1 if none.  *inline_value is set to the text
 * after '=' or after "-x", else NULL. */
static int match(const shmgen_command_t *cmd, const char *arg, const char **inline_value)
{
    *inline_value = NULL;
    for (int i = 0; cmd->options && cmd->options[i].name; i++) {
        const shmgen_cli_option_t *o = &cmd->options[i];
        size_t n = strlen(o->name);
        if (arg[1] == '-' && strncmp(arg, o->name, n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
            if (arg[n] == '=') *inline_value = arg + n + 1;
            return i;
        }
        if (arg[1] != '-' && o->short_name && arg[1] == o->short_name) {
            if (arg[2] != '\0') *inline_value = arg + 2;
            return i;
        }
    }
    return -1;
}

static int unknown_option(const shmgen_command_t *cmd, const char *arg)
{
    const char *names[16], *best;
    char word[64];
    size_t n = 0, len = strcspn(arg, "=");
    for (size_t i = 0; cmd->options && cmd->options[i].name && n < 16; i++) names[n++] = cmd->options[i].name;
    if (len >= sizeof word) len = sizeof word - 1;
    memcpy(word, arg, len);
    word[len] = '\0';
    if ((best = shmgen__closest(word, names, n)))
        return shmgen_cli_usage_error(cmd, "unknown option '%s'; did you mean '%s'?", word, best);
    return shmgen_cli_usage_error(cmd, "unknown option '%s'", word);
}

/* One option at argv[*i]; consumes its value (argv[*i + 1] when separate). */
static int take_option(const shmgen_command_t *cmd, const shmgen_cli_spec_t *spec, int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *value;
    int k = match(cmd, arg, &value);
    const shmgen_cli_option_t *o = k >= 0 ? &cmd->options[k] : NULL;
    if (!o) return unknown_option(cmd, arg);
    if (spec->values[k].given) return shmgen_cli_usage_error(cmd, "option '%s' given twice", o->name);
    if (!o->arg && value) {
        if (arg[1] == '-') return shmgen_cli_usage_error(cmd, "option '%s' takes no value", o->name);
        return unknown_option(cmd, arg); /* "-xy": no bundling of flags */
    }
    if (o->arg && !value) {
        if (*i + 1 >= argc) return shmgen_cli_usage_error(cmd, "option '%s' needs a value", o->name);
        value = argv[++*i];
    }
    if (o->arg && value[0] == '\0') return shmgen_cli_usage_error(cmd, "option '%s' has an empty value", o->name);
    spec->values[k].given = true;
    spec->values[k].value = value;
    return 0;
}

static int check_count(const shmgen_command_t *cmd, const shmgen_cli_spec_t *spec, size_t npos)
{
    if (npos < spec->min_pos) return shmgen_cli_usage_error(cmd, "missing %s", spec->pos_names[npos]);
    return 0;
}

int shmgen_cli_parse(const shmgen_command_t *cmd, const shmgen_cli_spec_t *spec, int argc, char **argv,
                     const char **pos, size_t *npos)
{
    bool options_done = false;
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int rc;
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            if ((rc = take_option(cmd, spec, argc, argv, &i)) != 0) return rc;
        } else if (*npos == spec->max_pos) {
            return shmgen_cli_usage_error(cmd, "unexpected argument '%s'", arg);
        } else if (arg[0] == '\0') {
            return shmgen_cli_usage_error(cmd, "%s is empty", spec->pos_names[*npos]);
        } else {
            pos[(*npos)++] = arg;
        }
    }
    return check_count(cmd, spec, *npos);
}

int shmgen_cli_format(const shmgen_command_t *cmd, const shmgen_cli_value_t *json_opt,
                      const shmgen_cli_value_t *format_opt, bool allow_github, shmgen_cli_format_t *out)
{
    const char *v = format_opt->value;
    *out = SHMGEN_FMT_TEXT;
    if (json_opt && json_opt->given && format_opt->given)
        return shmgen_cli_usage_error(cmd, "--json and --format given together; use one");
    if (json_opt && json_opt->given) *out = SHMGEN_FMT_JSON;
    if (!format_opt->given) return 0;
    if (strcmp(v, "text") == 0) *out = SHMGEN_FMT_TEXT;
    else if (strcmp(v, "json") == 0) *out = SHMGEN_FMT_JSON;
    else if (allow_github && strcmp(v, "github") == 0) *out = SHMGEN_FMT_GITHUB;
    else
        return shmgen_cli_usage_error(cmd, "--format takes text, json%s; found '%s'", allow_github ? " or github" : "",
                                      v);
    return 0;
}
