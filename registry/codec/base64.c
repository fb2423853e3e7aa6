/* base64.c - placeholder until its implementation lands. */
typedef int ig_placeholder_base64_;
