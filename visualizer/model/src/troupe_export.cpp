// troupe-export: the `export` command as its own program until `troupe export` calls it.
#include "troupe/trace_model/export_main.hpp"

int main(int argc, char** argv) { return troupe_export_main(argc, argv); }
