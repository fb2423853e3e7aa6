/* dcc.c - placeholder until its implementation lands. */
typedef int ig_placeholder_dcc_;
