#include "cksuite.h"

Suite *migrate_suite(void)
{
        return suite_create("migrate");
}
