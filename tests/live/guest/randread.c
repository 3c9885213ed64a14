/* SPDX-License-Identifier: MIT */
/* The live test's random-read job: 4 KiB O_DIRECT preads at random aligned
 * offsets of a block device, queue depth 1, for a fixed time. Prints IOPS. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    uint64_t size = 0, n = 0, x = 88172645463325252ull;
    void *buf;
    if (argc != 3) {
        fprintf(stderr, "usage: randread DEV SECONDS\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY | O_DIRECT);
    if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) != 0 || size < 8192) {
        perror(argv[1]);
        return 1;
    }
    if (posix_memalign(&buf, 4096, 4096))
        return 1;
    double t0 = now(), end = t0 + atof(argv[2]);
    while (now() < end) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17; /* xorshift: same sequence every run */
        off_t off = (off_t)((x % (size / 4096)) * 4096);
        if (pread(fd, buf, 4096, off) != 4096) {
            perror("pread");
            return 1;
        }
        n++;
    }
    double t = now() - t0;
    printf("IOPS %.0f reads %llu seconds %.2f\n", (double)n / t, (unsigned long long)n, t);
    return 0;
}
