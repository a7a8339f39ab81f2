// Inline maths in a reply ($x^2$, \(a_1 + b_1\)) made readable in plain text: the delimiters go,
// simple superscripts and subscripts, Greek letters and common operators become their Unicode
// characters, \frac{a}{b} becomes a/b, and the whole is set in italics (Markdown *…*). Code
// spans and code blocks are left alone; "$5 and $6" (a space after the opening $) is not maths.
#pragma once

#include <QString>

namespace qwenvl::app {

QString readableInlineMath(const QString& markdown);
// One formula's body, without delimiters: "x^2 + \alpha_1" -> "x² + α₁".
QString mathToUnicode(const QString& tex);

}  // namespace qwenvl::app
