// keapsync entry point: hands the command line to the command table.
#include "commands.hpp"

int main(int argc, char** argv) {
  return keapsync::cli::dispatch(argc, argv);
}
