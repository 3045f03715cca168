// The `cokernel` command; everything it does lives in cokernel_launcher_lib.
#include "cli.hpp"

#include <string>
#include <vector>

int main(int argc, char** argv) {
    return cokernel::run_cli(std::vector<std::string>(argv + 1, argv + argc));
}
