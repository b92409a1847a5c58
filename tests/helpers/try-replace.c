/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Run inside a container: tries to replace the filter tables the way iptables does and prints
 * what the kernel answers, one line per family ("ipv4: EPERM"). Exits 0 only when every attempt
 * was refused with EPERM. The request is empty on purpose (no counters): a process that does
 * have CAP_NET_ADMIN gets EINVAL and its tables stay as they were. Built static, so that it
 * runs in a root filesystem without libraries. */
#include <errno.h>
#include <netinet/in.h> /* before the kernel headers, which would define in_addr again */
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int try(const char *name, int domain, int level, int optname)
{
        /* Any inet socket reaches the netfilter socket options; a UDP one needs no capability,
         * so the answer is about the replace alone. */
        int fd = socket(domain, SOCK_DGRAM, 0);
        if (fd < 0) {
                printf("%s: socket: %s\n", name, strerror(errno));
                return 1;
        }
        struct ipt_replace req;
        memset(&req, 0, sizeof(req));
        strcpy(req.name, "filter");
        int r = setsockopt(fd, level, optname, &req, sizeof(req));
        int e = errno;
        close(fd);
        if (r == 0) {
                printf("%s: replace accepted\n", name);
                return 1;
        }
        printf("%s: %s\n", name, e == EPERM ? "EPERM" : strerror(e));
        return e == EPERM ? 0 : 1;
}

int main(void)
{
        int bad = try("ipv4", AF_INET, IPPROTO_IP, IPT_SO_SET_REPLACE);
        bad |= try("ipv6", AF_INET6, IPPROTO_IPV6, IP6T_SO_SET_REPLACE);
        return bad;
}
