#include "policy.hpp"

#include <vector>

namespace ck::deleg {

PolicySet::PolicySet() {
    policy_.fill(Policy::denied);
    for (const SyscallInfo& s : syscall_table) {
        policy_[s.nr] = s.policy;
    }
}

Policy PolicySet::effective(uint64_t nr) const {
    return nr < syscall_nr_limit ? policy_[nr] : Policy::denied;
}

std::string PolicySet::delegate(std::string_view names) {
    return apply(names, Policy::delegated, "--delegate");
}

std::string PolicySet::deny(std::string_view names) {
    return apply(names, Policy::denied, "--deny");
}

std::string PolicySet::apply(std::string_view names, Policy to, std::string_view option) {
    const std::string opt(option);
    std::vector<const SyscallInfo*> found;
    size_t pos = 0;
    while (true) {
        const size_t comma = names.find(',', pos);
        const std::string_view name =
            names.substr(pos, comma == std::string_view::npos ? names.npos : comma - pos);
        if (name.empty()) {
            return opt + ": empty syscall name in '" + std::string(names) + "'";
        }
        const SyscallInfo* s = syscall_by_name(name.data(), name.size());
        if (s == nullptr) {
            return opt + ": unknown syscall '" + std::string(name) +
                   "' (names as in syscalls.def, e.g. read, openat)";
        }
        if (s->policy == Policy::native_only) {
            return opt + ": " + s->name + " is native-only: the co-kernel must handle it itself";
        }
        if (to == Policy::delegated && !can_delegate(*s)) {
            return opt + ": " + s->name + " cannot be delegated: the proxy does not validate its arguments";
        }
        const uint8_t other = overridden_[s->nr];
        if (other != 0 && other != 1u + static_cast<uint8_t>(to)) {
            return std::string(s->name) + " is given to both --delegate and --deny";
        }
        found.push_back(s);
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    for (const SyscallInfo* s : found) {
        policy_[s->nr] = to;
        overridden_[s->nr] = static_cast<uint8_t>(1u + static_cast<uint8_t>(to));
    }
    return "";
}

} // namespace ck::deleg
