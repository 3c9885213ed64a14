/* SPDX-License-Identifier: MIT */
/* vscsi-back's daemon pieces: the settings parser, sd_notify, the log's levels. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "back_conf.h"
#include "back_log.h"
#include "sd_notify.h"

static void conf_good_file(void **state)
{
    struct back_conf c;
    char msg[600] = "";
    (void)state;
    back_conf_init(&c);
    assert_int_equal(back_conf_parse(&c,
                                     "# x\n\n  sg = yes  \nsg-timeout=300\r\nmax-segs = 0x100\n"
                                     "log-level = debug\nlog = syslog\nmap = false\n",
                                     msg, sizeof(msg)),
                     0);
    assert_int_equal(c.sg, 1);
    assert_int_equal(c.sg_timeout_s, 300);
    assert_int_equal(c.max_segs, 256);
    assert_int_equal(c.log_level, LOG_DEBUG);
    assert_int_equal(c.log_target, BACK_LOG_SYSLOG);
    assert_int_equal(c.map_mode, 0);
}

/* A bad file changes nothing and names the line. */
static void conf_bad_file_untouched(void **state)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"sg = yes\nmax-segs = 5\n", "line 2: max-segs: '5' out of range (0 or 26..13312)"},
        {"sg = yes\n\n\nnope = 1\n", "line 4: unknown setting 'nope'"},
        {"= 3\n", "line 1: no name before '='"},
        {"sg\n", "line 1: expected 'name = value'"},
        {"sg-timeout = 0\n", "line 1: sg-timeout: '0' out of range 1..86400"},
        {"sg-timeout = -1\n", "line 1: sg-timeout: '-1' is not a number"},
        {"fake = disk,,tape\n", "line 1: fake: 'disk,,tape' has an empty entry"},
        {"fake-dir = /nonexistent-vscsi\n", "line 1: fake-dir: /nonexistent-vscsi: No such file"},
        {"max-segs =\n", "line 1: max-segs: '' is not a number"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct back_conf c, before;
        char msg[600] = "";
        back_conf_init(&c);
        c.sg_timeout_s = 77;
        before = c;
        assert_int_equal(back_conf_parse(&c, cases[i].text, msg, sizeof(msg)), -EINVAL);
        if (strncmp(msg, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("case %zu: '%s', want '%s'", i, msg, cases[i].want);
        assert_memory_equal(&c, &before, sizeof(c));
    }
}

static void conf_long_line(void **state)
{
    struct back_conf c;
    char msg[600], *t = malloc(3000);
    (void)state;
    memset(t, 'x', 2999);
    t[2999] = '\0';
    back_conf_init(&c);
    assert_int_equal(back_conf_parse(&c, t, msg, sizeof(msg)), -EINVAL);
    assert_non_null(strstr(msg, "line 1: longer than"));
    free(t);
}

static void conf_load_names_path_and_line(void **state)
{
    char path[] = "/tmp/vscsi-conf-XXXXXX", msg[700];
    struct back_conf c;
    int fd = mkstemp(path);
    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "sg = yes\nlog = x\n", 17), 17);
    close(fd);
    back_conf_init(&c);
    assert_int_equal(back_conf_load(&c, path, msg, sizeof(msg)), -EINVAL);
    char want[600];
    snprintf(want, sizeof(want), "%s:2: log: 'x' is not stderr or syslog", path);
    assert_string_equal(msg, want);
    unlink(path);
    assert_int_equal(back_conf_load(&c, path, msg, sizeof(msg)), -ENOENT);
}

static void conf_check_cross(void **state)
{
    struct back_conf c;
    char msg[200];
    (void)state;
    back_conf_init(&c);
    assert_int_equal(back_conf_set(&c, "fake-disk-mb", "8", msg, sizeof(msg)), 0);
    assert_int_equal(back_conf_check(&c, "--", msg, sizeof(msg)), -EINVAL);
    assert_string_equal(msg, "--fake-disk-mb needs --fake");
    assert_int_equal(back_conf_set(&c, "fake", "disk", msg, sizeof(msg)), 0);
    assert_int_equal(back_conf_check(&c, "--", msg, sizeof(msg)), 0);
    assert_int_equal(back_conf_set(&c, "no-such", "1", msg, sizeof(msg)), -ENOENT);
}

/* The datagram reaches a socket named by $NOTIFY_SOCKET, path and abstract alike. */
static void notify_roundtrip(int abstract)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char name[80], buf[128];
    socklen_t alen;
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);

    assert_true(s >= 0);
    if (abstract) {
        snprintf(name, sizeof(name), "@vscsi-test-%ld", (long)getpid());
        memcpy(sa.sun_path, name, strlen(name));
        sa.sun_path[0] = '\0';
        alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
    } else {
        snprintf(name, sizeof(name), "/tmp/vscsi-notify-%ld", (long)getpid());
        unlink(name);
        strcpy(sa.sun_path, name);
        alen = sizeof(sa);
    }
    assert_int_equal(bind(s, (struct sockaddr *)&sa, alen), 0);
    setenv("NOTIFY_SOCKET", name, 1);
    assert_int_equal(vscsi_sd_notify("READY=1"), 1);
    ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
    assert_int_equal(n, 7);
    buf[n] = '\0';
    assert_string_equal(buf, "READY=1");
    assert_int_equal(vscsi_sd_notifyf("serving %u vhosts", 3u), 1);
    n = recv(s, buf, sizeof(buf) - 1, 0);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "STATUS=serving 3 vhosts");
    close(s);
    if (!abstract)
        unlink(name);
    unsetenv("NOTIFY_SOCKET");
}

static void notify_path(void **state)
{
    (void)state;
    notify_roundtrip(0);
}

static void notify_abstract(void **state)
{
    (void)state;
    notify_roundtrip(1);
}

static void notify_absent_or_bad(void **state)
{
    (void)state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(vscsi_sd_notify("READY=1"), 0);
    setenv("NOTIFY_SOCKET", "relative", 1);
    assert_int_equal(vscsi_sd_notify("READY=1"), -EINVAL);
    setenv("NOTIFY_SOCKET", "/nonexistent/sock", 1);
    assert_true(vscsi_sd_notify("READY=1") < 0);
    unsetenv("NOTIFY_SOCKET");
}

static void log_levels(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    (void)state;
    back_log_open("t", 0, LOG_WARNING, f);
    back_log(LOG_ERR, "one %d", 1);
    back_log(LOG_INFO, "hidden");
    back_log(LOG_WARNING, "two");
    back_log(LOG_DEBUG, "hidden too");
    fclose(f);
    assert_non_null(strstr(buf, "error: one 1"));
    assert_non_null(strstr(buf, "warning: two"));
    assert_null(strstr(buf, "hidden"));
    free(buf);
    back_log_close();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conf_good_file),   cmocka_unit_test(conf_bad_file_untouched),
        cmocka_unit_test(conf_long_line),   cmocka_unit_test(conf_load_names_path_and_line),
        cmocka_unit_test(conf_check_cross), cmocka_unit_test(notify_path),
        cmocka_unit_test(notify_abstract),  cmocka_unit_test(notify_absent_or_bad),
        cmocka_unit_test(log_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
