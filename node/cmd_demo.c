/* cmd_demo.c - placeholder until the command lands. */
#include <stdio.h>

#include "node/commands.h"

int
ig_cmd_demo(int argc, char **argv)
{
	(void) argc;
	(void) argv;
	fprintf(stderr, "intyg demo: not implemented yet\n");
	return IG_EXIT_SOFTWARE;
}
