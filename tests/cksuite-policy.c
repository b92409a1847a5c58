#include "cksuite.h"

Suite *policy_suite(void)
{
        return suite_create("policy");
}
