// Shared by the line-oriented data files (tsv_task.cpp, conll_file.cpp): the checks every such
// file gets before its lines are parsed, and how a bad line is quoted in a message.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace rnnscope {

// Throws InputError "<source>: ..." for an empty file, a NUL byte (a binary file) or invalid
// UTF-8 (with the byte offset); `expected` completes "file is empty; expected ...".
void CheckLineFileText(std::string_view text, const std::string& source, const std::string& expected);

// The line as a message quotes it: tabs shown as spaces, at most 60 bytes, then "…".
std::string QuotedLine(std::string_view line);

// The pairs of a 'source<TAB>target' file (the tsv task, a PyTorch seq2seq's training pairs):
// reads `path` (checked as above), skips a BOM and blank lines, drops a trailing CR, and calls
// fn(line number, source, target) per pair. InputError "path:line: expected 'source<TAB>target',
// found ..." for a line without exactly one tab or with an empty side, and for a file of only
// blank lines.
void ForEachTsvPair(const std::string& path,
                    const std::function<void(int line, std::string_view source, std::string_view target)>& fn);

}  // namespace rnnscope
