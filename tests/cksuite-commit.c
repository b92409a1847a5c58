#include "cksuite.h"

Suite *commit_suite(void)
{
        return suite_create("commit");
}
