/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-run: times one command for scripts/bench.sh.
 *   bench-run [--netns PATH] [--stdin FILE] -- COMMAND [ARG]...
 * prints "WALL_MS MAXRSS_KIB EXIT_STATUS" on stdout.
 *
 * The peak resident set size is wait4's ru_maxrss, the number /usr/bin/time -v prints as
 * "Maximum resident set size". The kernel keeps the largest RSS the child had, including the
 * copy of its parent it was before exec: so the parent must be small (this is built static,
 * a few hundred KiB), where a Python or shell parent would add its own megabytes. The wall
 * time is read around fork and wait4 with CLOCK_MONOTONIC (time(1) rounds to 10 ms).
 * --netns enters that network namespace before forking, so the command runs there without
 * nsenter or `ip netns exec` adding their own start-up to the measurement. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, const char *arg)
{
        fprintf(stderr, "bench-run: %s %s: ", what, arg);
        perror(NULL);
        exit(125);
}

int main(int argc, char **argv)
{
        const char *netns = NULL, *in = NULL;
        int i = 1;
        for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
                if (strcmp(argv[i], "--netns") == 0)
                        netns = argv[i + 1];
                else if (strcmp(argv[i], "--stdin") == 0)
                        in = argv[i + 1];
                else
                        break;
        }
        if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc) {
                fputs("usage: bench-run [--netns PATH] [--stdin FILE] -- COMMAND [ARG]...\n", stderr);
                return 125;
        }
        char **cmd = argv + i + 1;
        if (netns) {
                int fd = open(netns, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
                        die("cannot enter", netns);
                close(fd);
        }
        int infd = -1;
        if (in && (infd = open(in, O_RDONLY | O_CLOEXEC)) < 0)
                die("cannot open", in);

        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid = fork();
        if (pid < 0)
                die("cannot fork for", cmd[0]);
        if (pid == 0) {
                if (infd >= 0 && dup2(infd, 0) < 0)
                        _exit(126);
                execvp(cmd[0], cmd);
                _exit(127);
        }
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) < 0)
                die("wait4", cmd[0]);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        printf("%.3f %ld %d\n", ms, ru.ru_maxrss, code);
        return 0;
}
