/* Subcommands that live in their own files; each returns the process exit status. */
#pragma once

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

int cmd_hook(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
