/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entering a network namespace, rootless too. A rootless podman container's network namespace
 * belongs to the user namespace podman made for the user: setns() into it needs CAP_SYS_ADMIN
 * there, which the user has once inside that user namespace (as `podman unshare` does). So a
 * refused setns() is tried again from the namespace's own user namespace, when it is not ours. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oih.h"

int oih_netns_enter(int fd, struct oih_error *err)
{
        if (setns(fd, CLONE_NEWNET) == 0)
                return 0;
        int e = errno;
        if (e != EPERM)
                return oih_err_errno(err, e, "cannot enter the network namespace");
        int userns = ioctl(fd, NS_GET_USERNS);
        struct stat theirs, ours;
        bool other = userns >= 0 && fstat(userns, &theirs) == 0 && stat("/proc/self/ns/user", &ours) == 0 &&
                     (theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino);
        if (!other) {
                if (userns >= 0)
                        close(userns);
                return oih_err_errno(err, e, "cannot enter the network namespace (only root can read or change "
                                             "its tables)");
        }
        if (setns(userns, CLONE_NEWUSER) < 0) {
                e = errno;
                close(userns);
                return oih_err_errno(err, e, "cannot enter the network namespace (it belongs to a user namespace "
                                             "this user does not own: run as root, or as the user whose rootless "
                                             "container it is)");
        }
        close(userns);
        if (setns(fd, CLONE_NEWNET) < 0)
                return oih_err_errno(err, errno,
                                     "cannot enter the network namespace from the user namespace it belongs to");
        return 0;
}
