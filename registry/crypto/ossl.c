/* ossl.c - placeholder until the crypto implementation lands. */
typedef int ig_placeholder_ossl_;
