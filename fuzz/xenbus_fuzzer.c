/* SPDX-License-Identifier: MIT */
/*
 * xenbus_fuzzer: the strict XenStore readers of include/vscsiif/xenbus.h
 * against a reference built on strtoull, through a fake platform whose
 * xs_read hands back the fuzzer's bytes (embedded NULs and all).
 *
 * Input layout:
 *   u8    max selector: 0 UINT32_MAX, 1 8 (XenbusState), 2 65535, 3 0, 4 u32 from the input
 *   (u32  max, selector 4 only)
 *   u8    xs_read behaviour: 0-5 return the value, 6 -ENOENT, 7 -EACCES
 *   u16   size of the path buffer given to vscsi_xb_join, mod 4000
 *   rest  the node's value
 *
 * The reference accepts exactly: one or more ASCII digits, no sign, no
 * space, no leading zero unless the whole string is "0", value <= max;
 * -ERANGE when the syntax is right but the value too big, else -EINVAL.
 * Only one liberty is allowed to the library: a string that is bad syntax
 * AND whose leading digits already exceed max may be reported as -ERANGE
 * (the header does not fix which error wins).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_helpers.h"
#include "vscsiif/xenbus.h"

struct fake {
    const uint8_t *val;
    size_t len;
    int err; /* 0, or what xs_read returns */
    char written[64];
    unsigned reads;
};

static int fake_read(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t buflen)
{
    struct fake *f = ctx;

    (void)t;
    FUZZ_ASSERT(path != NULL && strlen(path) <= VSCSI_XB_PATH_MAX);
    f->reads++;
    if (f->err)
        return f->err;
    if (f->len + 1 > buflen)
        return -E2BIG;
    if (f->len)
        memcpy(buf, f->val, f->len);
    buf[f->len] = '\0';
    return (int)f->len;
}

static int fake_write(void *ctx, vscsi_xs_txn t, const char *path, const char *value)
{
    struct fake *f = ctx;
    size_t n = strlen(value);

    (void)t;
    (void)path;
    FUZZ_ASSERT(n < sizeof(f->written));
    memcpy(f->written, value, n + 1);
    return 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int ref_parse(const char *s, uint32_t max, uint32_t *out)
{
    char *end;

    if (!*s)
        return -EINVAL;
    for (const char *p = s; *p; p++)
        if (!is_digit(*p))
            return -EINVAL; /* strtoull alone would take spaces, signs, ... */
    if (s[0] == '0' && s[1] != '\0')
        return -EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return -EINVAL;
    if (errno == ERANGE || v > max)
        return -ERANGE;
    *out = (uint32_t)v;
    return 0;
}

/* Bad syntax whose digit prefix (no leading zero) already exceeds max. */
static bool prefix_too_big(const char *s, uint32_t max)
{
    uint64_t v = 0;

    if (s[0] == '0')
        return false;
    for (const char *p = s; is_digit(*p); p++) {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > max)
            return true;
    }
    return false;
}

static void check_parse(const char *s, uint32_t max)
{
    uint32_t got = 0xdeadbeef, want = 0;
    int rc = vscsi_xb_parse_uint(s, max, &got);
    int ref = ref_parse(s, max, &want);

    if (ref == -EINVAL && rc == -ERANGE)
        FUZZ_ASSERT_MSG(prefix_too_big(s, max), "\"%s\" (max %u): -ERANGE for bad syntax", s, max);
    else
        FUZZ_ASSERT_MSG(rc == ref, "\"%s\" (max %u): library %d, reference %d", s, max, rc, ref);
    if (rc == 0)
        FUZZ_ASSERT(got == want && got <= max);
}

static bool printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct vscsi_platform_ops ops = {
        .size = sizeof(struct vscsi_platform_ops),
        .xs_read = fake_read,
        .xs_write = fake_write,
    };
    struct fuzz_producer p;
    struct fake f;
    uint32_t max;

    fuzz_producer_init(&p, data, size);
    switch (fuzz_u8(&p) % 5) {
    case 0:
        max = UINT32_MAX;
        break;
    case 1:
        max = VSCSI_XB_RECONFIGURED;
        break;
    case 2:
        max = 65535;
        break;
    case 3:
        max = 0;
        break;
    default:
        max = fuzz_u32(&p);
        break;
    }
    uint8_t behaviour = fuzz_u8(&p) % 8;
    size_t join_len = fuzz_u16(&p) % 4000;

    memset(&f, 0, sizeof(f));
    f.val = fuzz_peek_bytes(&p, fuzz_remaining(&p), &f.len);
    f.err = behaviour == 6 ? -ENOENT : behaviour == 7 ? -EACCES : 0;

    /* An exact-size, NUL-terminated copy: the parser sees up to the first NUL. */
    char *str = fuzz_xmalloc(f.len + 1);
    if (f.len)
        memcpy(str, f.val, f.len);
    str[f.len] = '\0';

    /* 1. the parser itself */
    check_parse(str, max);
    check_parse(str, UINT32_MAX);
    {
        uint32_t v = 7;
        FUZZ_ASSERT(vscsi_xb_parse_uint(NULL, max, &v) == -EINVAL && v == 7);
    }

    /* 2. the readers, through xs_read */
    bool fits = f.len < VSCSI_XB_VALUE_MAX, clean = printable(f.val, f.len);
    char small[16];
    int rc = vscsi_xb_read_str(&ops, &f, VSCSI_XS_NO_TXN, "device/vscsi/0", "p-dev", small,
                               sizeof(small));
    if (f.err)
        FUZZ_ASSERT(rc == f.err);
    else if (f.len >= sizeof(small))
        FUZZ_ASSERT(rc == -E2BIG);
    else if (!clean)
        FUZZ_ASSERT(rc == -EINVAL);
    else
        FUZZ_ASSERT(rc == (int)f.len && memcmp(small, f.val, f.len) == 0 && small[f.len] == 0);

    uint32_t v = 0xdeadbeef, want = 0;
    rc = vscsi_xb_read_uint(&ops, &f, VSCSI_XS_NO_TXN, "backend/vscsi/1/0", "ring-ref", max, &v);
    if (f.err) {
        FUZZ_ASSERT(rc == f.err);
    } else if (!fits) {
        FUZZ_ASSERT(rc == -ERANGE || rc == -EINVAL);
    } else if (!clean) {
        FUZZ_ASSERT(rc == -EINVAL);
    } else {
        int ref = ref_parse(str, max, &want);

        FUZZ_ASSERT(rc == ref || (ref == -EINVAL && rc == -ERANGE && prefix_too_big(str, max)));
        FUZZ_ASSERT(rc != 0 || v == want);
    }

    enum vscsi_xb_state st = VSCSI_XB_UNKNOWN;
    rc = vscsi_xb_read_state(&ops, &f, VSCSI_XS_NO_TXN, "backend/vscsi/1/0", "state", &st);
    if (rc == 0) {
        FUZZ_ASSERT(!f.err && fits && clean);
        FUZZ_ASSERT(ref_parse(str, VSCSI_XB_RECONFIGURED, &want) == 0 && (uint32_t)st == want);
    } else {
        FUZZ_ASSERT(rc == -EINVAL || rc == -ERANGE || rc == f.err);
    }
    FUZZ_ASSERT(vscsi_xb_state_str((unsigned)st) != NULL);
    FUZZ_ASSERT(vscsi_xb_state_str(max) != NULL);

    /* 3. writing a number and reading it back */
    uint32_t num = (uint32_t)f.len * 2654435761u ^ max;
    FUZZ_ASSERT(vscsi_xb_write_uint(&ops, &f, VSCSI_XS_NO_TXN, "backend/vscsi/1/0", "x", num) == 0);
    FUZZ_ASSERT(vscsi_xb_parse_uint(f.written, UINT32_MAX, &v) == 0 && v == num);

    /* 4. path joining into an exact-size buffer */
    char *path = fuzz_xmalloc(join_len);
    size_t need = strlen(str) + 2; /* "/x" */
    rc = vscsi_xb_join(path, join_len, str, "x");
    if (need < join_len && need <= VSCSI_XB_PATH_MAX) {
        FUZZ_ASSERT(rc == 0);
        FUZZ_ASSERT(strlen(path) == need && path[need - 1] == 'x' && path[need - 2] == '/');
    } else {
        FUZZ_ASSERT(rc == -ENAMETOOLONG);
    }
    rc = vscsi_xb_join(path, join_len, str, NULL);
    FUZZ_ASSERT(rc ==
                ((strlen(str) < join_len && strlen(str) <= VSCSI_XB_PATH_MAX) ? 0 : -ENAMETOOLONG));
    free(path);
    free(str);
    return 0;
}
