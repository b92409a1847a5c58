#include "cmd.h"
#include <stdio.h>

int cmd_migrate(int argc, char **argv)
{
        (void)argc; (void)argv;
        fprintf(stderr, "oci-iptables-hook: migrate: not implemented yet\n");
        return EXIT_FAIL;
}
