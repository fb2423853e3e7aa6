/* cmd_publish.c - placeholder until the command lands. */
#include <stdio.h>

#include "node/commands.h"

int
ig_cmd_publish(int argc, char **argv)
{
	(void) argc;
	(void) argv;
	fprintf(stderr, "intyg publish: not implemented yet\n");
	return IG_EXIT_SOFTWARE;
}
