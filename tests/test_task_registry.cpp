// The task registry, the flag builder's per-flag semantics, the did-you-mean, the memory check
// and --size: what `rnnscope train/gui/screenshot` does with the flags given.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli/model_flags.h"
#include "cli/window_size.h"
#include "core/edit_distance.h"
#include "core/error.h"
#include "train/job_factory.h"
#include "train/task_registry.h"

namespace rnnscope {
namespace {

// Parses `args` with the one flag builder, as `rnnscope train` does.
JobSpec Parse(std::vector<std::string> args) {
  CLI::App app;
  JobSpec spec;
  AddModelFlags(app, spec);
  std::vector<const char*> argv = {"rnnscope"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return spec;
}

std::string UsageMessage(const JobSpec& spec) {
  try {
    ResolveSpec(spec);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(TaskRegistry, NamesUniqueHelpNonEmptyAndKnownTasksIsTheTable) {
  std::set<std::string> names;
  for (const TaskInfo& t : TaskTable()) {
    EXPECT_TRUE(names.insert(t.name).second) << t.name;
    EXPECT_FALSE(std::string(t.help).empty()) << t.name;
    EXPECT_NE(TaskHelp().find(std::string(t.name) + " ("), std::string::npos) << t.name;
  }
  EXPECT_EQ(names.size(), 17u);
  EXPECT_EQ(KnownTasks(), TaskNames());
}

TEST(TaskRegistry, EveryGeneratedTaskBuildsWithTinySizes) {
  for (const TaskInfo& t : TaskTable()) {
    if (t.data == TaskData::kDataRequired) continue;  // conll, tsv: covered with files elsewhere
    JobSpec spec;
    spec.task = t.name;
    spec.model.hidden = 8;
    spec.model.embed = t.structure == TaskStructure::kLanguageModel ? 0 : 4;
    spec.settings.batch = 2;
    spec.settings.seq_len = 8;
    spec.given = std::set<std::string>{"hidden", "embed"};
    const auto job = MakeJob(spec);
    ASSERT_NE(job, nullptr) << t.name;
    EXPECT_EQ(job->Describe().task, t.name);
    EXPECT_EQ(job->Describe().hidden, 8) << t.name;
    EXPECT_EQ(job->Describe().cell, t.defaults.cell) << t.name;
  }
}

TEST(TaskRegistry, UnknownTaskSuggestsTheClosest) {
  JobSpec spec;
  spec.task = "revers";
  const std::string m = UsageMessage(spec);
  EXPECT_NE(m.find("unknown task 'revers' — did you mean 'reverse'?"), std::string::npos) << m;
  EXPECT_NE(m.find("known: charlm, copy"), std::string::npos) << m;
  spec.task = "zzzzzzzz";
  EXPECT_EQ(UsageMessage(spec).find("did you mean"), std::string::npos);
  EXPECT_EQ(ClosestName("majorty", TaskNames()), "majority");
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(ModelFlags, EachFlagAppliesOnItsOwnOverTheTaskDefaults) {
  const JobSpec r = ResolveSpec(Parse({"--task", "reverse", "--cell", "lstm"}));
  EXPECT_EQ(r.model.cell, CellKind::kLstm);
  EXPECT_EQ(r.model.hidden, 64);          // the task's, not the char LM's 128
  EXPECT_TRUE(r.model.bidirectional);     // the task's bidirectional encoder stays
  EXPECT_EQ(r.attention, "additive");
  EXPECT_EQ(r.model.embed, 32);

  const JobSpec h = ResolveSpec(Parse({"--task", "reverse", "--cell", "lstm", "--hidden", "32"}));
  EXPECT_EQ(h.model.cell, CellKind::kLstm);
  EXPECT_EQ(h.model.hidden, 32);

  const JobSpec off = ResolveSpec(Parse({"--task", "reverse", "--no-bidirectional"}));
  EXPECT_FALSE(off.model.bidirectional);
  EXPECT_EQ(off.model.cell, CellKind::kGru);

  const JobSpec lm = ResolveSpec(Parse({"--hidden", "32"}));
  EXPECT_EQ(lm.model.cell, CellKind::kLstm);
  EXPECT_EQ(lm.model.hidden, 32);
  EXPECT_EQ(lm.model.embed, 0);  // one-hot
}

TEST(ModelFlags, AFlagTheTaskDoesNotUseIsRefusedWithTheReason) {
  const std::string bi = UsageMessage(Parse({"--task", "charlm", "--bidirectional"}));
  EXPECT_NE(bi.find("--bidirectional does not apply to --task charlm"), std::string::npos) << bi;
  EXPECT_NE(bi.find("reads the characters it is asked to predict"), std::string::npos) << bi;
  EXPECT_NE(UsageMessage(Parse({"--attention", "dot"})).find("--attention does not apply to --task charlm"),
            std::string::npos);
  EXPECT_NE(UsageMessage(Parse({"--task", "reverse", "--readout", "mean"})).find("--readout"), std::string::npos);
  EXPECT_NE(UsageMessage(Parse({"--task", "reverse", "--text", "x.txt"})).find("--text does not apply"),
            std::string::npos);
  EXPECT_NE(UsageMessage(Parse({"--task", "spell", "--bidirectional"})).find("not yet generated"),
            std::string::npos);
  EXPECT_NE(UsageMessage(Parse({"--task", "tsv"})).find("needs --data FILE"), std::string::npos);
  EXPECT_EQ(UsageMessage(Parse({"--task", "majority", "--readout", "mean", "--bidirectional"})), "");
}

TEST(ModelFlags, AUiRebuildGivesEveryFieldButABidirectionalCharLmIsStillRefused) {
  JobSpec spec;  // given = nullopt, as the trainer's Rebuild
  spec.task = "reverse";
  spec.model.cell = CellKind::kLstm;
  spec.model.hidden = 16;
  spec.model.bidirectional = false;
  spec.attention = "dot";
  const JobSpec r = ResolveSpec(spec);
  EXPECT_EQ(r.model.hidden, 16);
  EXPECT_FALSE(r.model.bidirectional);
  EXPECT_EQ(r.attention, "dot");
  EXPECT_EQ(r.model.embed, 32);  // 0 from a char-LM form: the task needs embeddings
  spec.task = "charlm";
  spec.model.bidirectional = true;
  EXPECT_NE(UsageMessage(spec).find("--bidirectional does not apply"), std::string::npos);
}

TEST(MemoryEstimate, CountsEachPartAndRefusesBeyondTheMachine) {
  MemoryNeed n;
  n.cell_gates = 4, n.hidden = 10, n.layers = 1, n.directions = 1, n.input = 5, n.embed_rows = 0, n.vocab = 5;
  n.optimizer_copies = 2, n.batch = 2, n.length = 3;
  const MemoryEstimate e = EstimateTrainingMemory(n);
  const double params = 4 * 10 * (5 + 10) + 2 * 4 * 10 + (10 + 1) * 5;  // W_ih, W_hh, biases, fc
  EXPECT_DOUBLE_EQ(e.parameters, params * 4);
  EXPECT_DOUBLE_EQ(e.gradients, params * 4);
  EXPECT_DOUBLE_EQ(e.optimizer, params * 4 * (2 * 2 + 1));  // Adam's two buffers, doubled, + spare weights
  EXPECT_DOUBLE_EQ(e.activations, 2.0 * 3 * 1 * (4 + 2) * 10 * 4);
  EXPECT_DOUBLE_EQ(e.logits, 2.0 * 3 * 5 * 4);
  EXPECT_EQ(FormatBytes(1024.0 * 1024 * 1024 * 24), "24 GiB");
  EXPECT_EQ(FormatBytes(1.2 * 1024.0 * 1024 * 1024 * 1024), "1.2 TiB");

  JobSpec big = ResolveSpec(Parse({"--hidden", "4096", "--layers", "8", "--batch", "4096", "--seq-len", "4096"}));
  try {
    CheckFitsInMemory(big, uint64_t{24} << 30);
    FAIL() << "12 TiB accepted";
  } catch (const UsageError& err) {
    const std::string m = err.what();
    EXPECT_NE(m.find("model needs about 12 TiB (parameters"), std::string::npos) << m;
    EXPECT_NE(m.find("this machine has 24 GiB"), std::string::npos) << m;
  }
  EXPECT_NO_THROW(CheckFitsInMemory(ResolveSpec(Parse({})), uint64_t{24} << 30));
}

TEST(WindowSize, ParsesOrSaysWhatIsExpected) {
  EXPECT_EQ(ParseWindowSize("1280x800").width, 1280);
  EXPECT_EQ(ParseWindowSize("1280x800").height, 800);
  for (const char* bad : {"axb", "1280x", "x800", "100x100", "1280x800x", "+1280x800", "99999x800"}) {
    try {
      ParseWindowSize(bad);
      ADD_FAILURE() << bad;
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()), std::string("--size: '") + bad +
                                           "' is not WIDTHxHEIGHT (e.g. 1280x800, each 320..8192 / 240..8192)");
    }
  }
}

}  // namespace
}  // namespace rnnscope
