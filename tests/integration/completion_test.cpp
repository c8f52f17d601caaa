// The bash completion scripts the build generates (<build>/completions/, src/cli/completion.hpp), sourced in a plain
// `bash --norc` and driven as bash drives them: COMP_LINE, COMP_POINT, COMP_WORDS split at blanks and at the = and
// : of COMP_WORDBREAKS, COMP_CWORD; the candidates are COMPREPLY. The dynamic words come from the fixture's
// temporary VZ_CONFDIR.
#include <algorithm>
#include <filesystem>
#include <set>

#include "fields.hpp"
#include "cli_fixture.hpp"
#include "config/kinds.hpp"
#include "config/params.hpp"
#include "ct/lifecycle.hpp"
#include "ct/ops.hpp"
#include "util/strings.hpp"
#include "../support/shell.hpp"

namespace {

using vztest::CliTest;
using Words = std::vector<std::string>;

// Sources the eight scripts; `comp LINE` completes at the end of LINE and prints COMPREPLY, one per line, sorted.
const char* kDriver = R"(
for tool in vzctl vzlist vzubc vzmigrate vzpid vzsplit vzcfgvalidate vzcpucheck; do source "$COMPLETIONS/$tool" || exit 2; done
comp() {
    COMP_LINE=$1 COMP_POINT=${#1} COMP_WORDS=()
    local w parts
    read -ra parts <<<"$1"
    for w in "${parts[@]}"; do
        while [[ -n $w ]]; do
            [[ $w =~ ^([=:]+)(.*)$ || $w =~ ^([^=:]+)(.*)$ ]]
            COMP_WORDS+=("${BASH_REMATCH[1]}") w=${BASH_REMATCH[2]}
        done
    done
    [[ $1 == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMPREPLY=()
    local spec
    spec=$(complete -p "${COMP_WORDS[0]}") || return 1
    spec=${spec#*-F } spec=${spec%% *}
    "$spec" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
    echo '@@'
}
)";

class Completion : public CliTest {
protected:
    void SetUp() override {
        vztest::write_text(conf_path(101), "OSTEMPLATE=\"tiny\"\n");
        vztest::write_text(conf_path(102), "NAME=\"web\"\n");
        std::filesystem::create_directories(names_dir());
        std::filesystem::create_symlink("../conf/102.conf", names_dir() + "/web");
    }

    // The candidates for each line, in one bash.
    std::vector<Words> complete(const Words& lines) {
        std::string script = kDriver;
        for (auto& l : lines) script += "comp " + vztest::shell_quote(l) + "\n";
        ::setenv("COMPLETIONS", BUILD_DIR "/completions", 1);
        auto r = finish(start("bash", {"--norc", "--noprofile", "-c", script}));
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.err, "");
        std::vector<Words> out(1);
        for (auto& line : vztest::lines(r.out)) {
            if (line == "@@") out.emplace_back();
            else out.back().push_back(line);
        }
        out.pop_back();
        EXPECT_EQ(out.size(), lines.size()) << r.out;
        out.resize(lines.size());
        return out;
    }
    Words complete(const std::string& line) { return complete(Words{line}).front(); }

    static Words sorted(Words w) {
        std::sort(w.begin(), w.end());
        return w;
    }
};

TEST_F(Completion, EachToolRegistersItsFunction) {
    ::setenv("COMPLETIONS", BUILD_DIR "/completions", 1);
    auto r = finish(start("bash", {"--norc", "--noprofile", "-c",
                                   std::string(kDriver) +
                                       "complete -p vzctl vzlist vzubc vzmigrate vzpid vzsplit vzcfgvalidate vzcpucheck"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "complete -F _vzctl vzctl\ncomplete -F _vzlist vzlist\ncomplete -F _vzubc vzubc\n"
                     "complete -F _vzmigrate vzmigrate\ncomplete -F _vzpid vzpid\ncomplete -F _vzsplit vzsplit\n"
                     "complete -F _vzcfgvalidate vzcfgvalidate\ncomplete -F _vzcpucheck vzcpucheck\n");
}

TEST_F(Completion, VzctlCommandsOptionsAndValues) {
    auto got = complete({"vzctl st", "vzctl ", "vzctl --q", "vzctl set 101 --cpul", "vzctl create 101 --layout ",
                         "vzctl create 101 --layout ploop:", "vzctl create 101 --layout=s", "vzctl set 101 --onboot ",
                         "vzctl set 101 --setmode ", "vzctl set 101 --capability chown:o",
                         "vzctl set 101 --capability chown:on,sys_ti", "vzctl convert 101 --layout ",
                         "vzctl set 101 --netfilter s", "vzctl delete 101 --f", "vzctl exec 101 "});
    EXPECT_EQ(got[0], (Words{"start", "status", "stop"}));
    EXPECT_TRUE(std::find(got[1].begin(), got[1].end(), "quotainit") != got[1].end());
    EXPECT_TRUE(std::find(got[1].begin(), got[1].end(), "delete") != got[1].end());
    EXPECT_TRUE(std::find(got[1].begin(), got[1].end(), vz::kMonitorCommand) == got[1].end()) << "hidden";
    EXPECT_TRUE(std::find(got[1].begin(), got[1].end(), vz::kMigrateCommand) == got[1].end()) << "hidden";
    EXPECT_EQ(got[2], (Words{"--quiet"}));
    EXPECT_EQ(got[3], (Words{"--cpulimit"}));
    EXPECT_EQ(got[4], (Words{"ploop", "ploop:expanded", "ploop:plain", "ploop:raw", "simfs"}));
    // readline replaces the text after the colon (bash's word there is ":").
    EXPECT_EQ(got[5], (Words{"expanded", "plain", "raw"}));
    EXPECT_EQ(got[6], (Words{"simfs"}));
    EXPECT_EQ(got[7], (Words{"no", "yes"}));
    EXPECT_EQ(got[8], (Words{"ignore", "restart"}));
    EXPECT_EQ(got[9], (Words{"off", "on"}));
    EXPECT_EQ(got[10], (Words{"on,sys_time:off", "on,sys_time:on"}));
    EXPECT_EQ(got[11], (Words{"ploop", "ploop:expanded", "ploop:plain", "ploop:raw"}));
    EXPECT_EQ(got[12], (Words{"stateful", "stateless"}));
    EXPECT_EQ(got[13], (Words{"--force"}));
    EXPECT_EQ(got[14], Words{}) << "the words after the CTID are the container's command";
}

TEST_F(Completion, ContainersSamplesAndTemplatesComeFromTheConfigDirectory) {
    auto got = complete({"vzctl start ", "vzctl set w", "vzctl create ", "vzctl create 103 --config ",
                         "vzctl create 103 --ostemplate ", "vzctl set 101 --applyconfig vswap-2",
                         "vzctl --verbose stop 1"});
    EXPECT_EQ(got[0], (Words{"101", "102", "web"}));
    EXPECT_EQ(got[1], (Words{"web"}));
    EXPECT_EQ(got[2], Words{}) << "create names a new container";
    Words samples;
    for (auto& e : std::filesystem::directory_iterator(std::string(SOURCE_DIR) + "/etc/samples")) {
        auto leaf = e.path().filename().string();
        samples.push_back(leaf.substr(3, leaf.size() - 3 - std::string(".conf-sample").size()));
    }
    EXPECT_EQ(got[3], sorted(samples));
    EXPECT_EQ(got[4], (Words{"other", "tiny"}));
    EXPECT_EQ(got[5], (Words{"vswap-256m", "vswap-2g"}));
    EXPECT_EQ(got[6], (Words{"101", "102"}));

    // Another config directory, by VZ_CONFDIR as the tools take it: its containers, its vz.conf's TEMPLATE.
    vztest::TempDir other;
    vztest::write_text(other / "conf/7.conf", "");
    vztest::write_text(other / "vz.conf", "TEMPLATE='" + other / "t" + "'\n");
    vztest::write_text(other / "t/cache/debian-12.tar.xz", "");
    ::setenv("COMPLETIONS", BUILD_DIR "/completions", 1);
    auto r = finish(start("env", {"VZ_CONFDIR=" + other.path(), "bash", "--norc", "--noprofile", "-c",
                                  std::string(kDriver) + "comp 'vzctl stop '; comp 'vzctl set 7 --ostemplate '"}));
    EXPECT_EQ(r.out, "7\n@@\ndebian-12\n@@\n") << r.err;
}

TEST_F(Completion, VzlistFieldsAfterCommasAndForReverseSort) {
    auto got = complete({"vzlist -o ct", "vzlist -o ctid,nu", "vzlist -s -", "vzlist -s -hostn", "vzlist -s-hostn",
                         "vzlist --output=ctid,physpages.", "vzlist -a ", "vzlist -S"});
    EXPECT_EQ(got[0], (Words{"ctid"}));
    Words reversed, physpages, nu;
    for (auto& f : vzlist::fields()) {
        reversed.push_back("-" + f.name);
        if (f.name.starts_with("nu")) nu.push_back("ctid," + f.name);
        if (f.name.starts_with("physpages.")) physpages.push_back("ctid,physpages." + f.name.substr(10));
    }
    EXPECT_EQ(got[1], sorted(nu));
    EXPECT_EQ(got[2], sorted(reversed));
    EXPECT_EQ(got[3], (Words{"-hostname"}));
    EXPECT_EQ(got[4], (Words{"-s-hostname"}));
    // bash's own word starts after the =.
    ASSERT_FALSE(physpages.empty());
    EXPECT_EQ(got[5], sorted(physpages));
    EXPECT_EQ(got[6], (Words{"101", "102", "web"}));
    EXPECT_EQ(got[7], (Words{"-S"}));
}

TEST_F(Completion, VzubcOneDashWordsContainersAndFiles) {
    vztest::write_text(tmp_ / "saved/ubc.txt", "");
    auto got = complete({"vzubc ", "vzubc -w", "vzubc -q -qh 0.5 1", "vzubc -f " + tmp_ / "saved/u"});
    EXPECT_EQ(got[0], (Words{"101", "102", "web"}));
    EXPECT_EQ(got[1], (Words{"-w", "-wd", "-wn", "-wt"}));
    EXPECT_EQ(got[2], (Words{"101", "102"}));
    EXPECT_EQ(got[3], (Words{tmp_ / "saved/ubc.txt"}));
}

TEST_F(Completion, VzpidOffersItsOptionsAndNoContainers) {
    auto got = complete(Words{"vzpid -", "vzpid "});
    EXPECT_EQ(got[0], (Words{"--help", "-h", "-p"}));
    EXPECT_EQ(got[1], Words{});
}

TEST_F(Completion, VzsplitOffersItsOptionsAndYesOrNo) {
    auto got = complete(Words{"vzsplit -", "vzsplit -v ", "vzsplit -n "});
    EXPECT_EQ(got[0], (Words{"--help", "-f", "-h", "-n", "-s", "-v"}));
    EXPECT_EQ(got[1], (Words{"no", "yes"}));
    EXPECT_EQ(got[2], Words{});
}

TEST_F(Completion, VzcfgvalidateOffersItsOptionsYesOrNoAndFiles) {
    auto got = complete(Words{"vzcfgvalidate -", "vzcfgvalidate -v ", "vzcfgvalidate -r " + confdir_ + "/conf/ve-ba"});
    EXPECT_EQ(got[0], (Words{"--help", "-h", "-i", "-r", "-v"}));
    EXPECT_EQ(got[1], (Words{"no", "yes"}));
    EXPECT_EQ(got[2], (Words{confdir_ + "/conf/ve-basic.conf-sample"}));
}

TEST_F(Completion, VzcpucheckOffersItsOptions) {
    auto got = complete(Words{"vzcpucheck -", "vzcpucheck "});
    EXPECT_EQ(got[0], (Words{"--help", "-h", "-v"}));
    EXPECT_EQ(got[1], Words{});
}

TEST_F(Completion, VzmigrateOptionsValuesAndContainers) {
    auto got = complete({"vzmigrate --re", "vzmigrate -r ", "vzmigrate --remove-area=", "vzmigrate --no",
                         "vzmigrate --check-only host.example ", "vzmigrate --on"});
    EXPECT_EQ(got[0], (Words{"--remove-area"}));
    EXPECT_EQ(got[1], (Words{"no", "yes"}));
    EXPECT_EQ(got[2], (Words{"no", "yes"}));
    EXPECT_EQ(got[3], (Words{"--no-lazy", "--nodeps"}));
    EXPECT_EQ(got[4], (Words{"101", "102", "web"}));
    EXPECT_EQ(got[5], (Words{"--online"}));
}

// Generated from the parameter table: every option of set and create, and its values, are offered.
TEST_F(Completion, EveryParameterOptionAndItsValues) {
    Words lines{"vzctl set 101 --", "vzctl create 101 --"};
    std::vector<const vz::ParamDef*> with_words;
    for (auto& p : vz::params()) {
        if (vz::value_words(p).words.empty()) continue;
        with_words.push_back(&p);
        lines.push_back(std::string("vzctl ") + (p.cmds & vz::kSet ? "set" : "create") + " 101 --" + p.option + " ");
    }
    auto got = complete(lines);
    for (auto& p : vz::params()) {
        Words names{"--" + p.option};
        for (auto& a : vz::split(p.aliases, " ")) names.push_back("--" + a);
        for (auto& n : names) {
            auto offered = [&](const Words& w) { return std::find(w.begin(), w.end(), n) != w.end(); };
            EXPECT_EQ(offered(got[0]), bool(p.cmds & vz::kSet)) << n << " for set";
            EXPECT_EQ(offered(got[1]), bool(p.cmds & vz::kCreate)) << n << " for create";
        }
    }
    ASSERT_FALSE(with_words.empty());
    for (size_t i = 0; i < with_words.size(); ++i)
        EXPECT_EQ(got[i + 2], sorted(vz::value_words(*with_words[i]).words)) << lines[i + 2];
}

}  // namespace
