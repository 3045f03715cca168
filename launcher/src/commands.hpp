// One function per subcommand; each takes the arguments after its name and
// returns the process exit status.
#pragma once

#include <string>
#include <vector>

namespace cokernel {

int cmd_topo(const std::vector<std::string>& args);
int cmd_create(const std::vector<std::string>& args);
int cmd_list(const std::vector<std::string>& args);
int cmd_destroy(const std::vector<std::string>& args);
int cmd_console(const std::vector<std::string>& args);
int cmd_ping(const std::vector<std::string>& args);
int cmd_fault(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_xemem(const std::vector<std::string>& args);

} // namespace cokernel
