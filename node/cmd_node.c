/* cmd_node.c - placeholder until the command lands. */
#include <stdio.h>

#include "node/commands.h"

int
ig_cmd_node(int argc, char **argv)
{
	(void) argc;
	(void) argv;
	fprintf(stderr, "intyg node: not implemented yet\n");
	return IG_EXIT_SOFTWARE;
}
