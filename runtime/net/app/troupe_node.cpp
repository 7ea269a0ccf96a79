// troupe-node: `troupe node` as a program of its own (docs/transport.md).

#include "troupe/net/node_main.hpp"

int main(int argc, char** argv) { return troupe_node_main(argc, argv); }
