/* keyfiles.c - placeholder until keygen lands. */
typedef int ig_placeholder_keyfiles_;
