/* gossip.c - placeholder until the gossip machine lands. */
typedef int ig_placeholder_gossip_;
