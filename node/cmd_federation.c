/* cmd_federation.c - placeholder until the command lands. */
#include <stdio.h>

#include "node/commands.h"

int
ig_cmd_federation(int argc, char **argv)
{
	(void) argc;
	(void) argv;
	fprintf(stderr, "intyg federation: not implemented yet\n");
	return IG_EXIT_SOFTWARE;
}
