// Inline maths to Unicode; see inline_math.h.
#include "app/inline_math.h"

#include <QHash>

namespace qwenvl::app {

namespace {

QChar superscript(QChar c) {
  static const QHash<QChar, QChar> map = {{u'0', u'⁰'}, {u'1', u'¹'}, {u'2', u'²'}, {u'3', u'³'}, {u'4', u'⁴'},
                                          {u'5', u'⁵'}, {u'6', u'⁶'}, {u'7', u'⁷'}, {u'8', u'⁸'}, {u'9', u'⁹'},
                                          {u'+', u'⁺'}, {u'-', u'⁻'}, {u'=', u'⁼'}, {u'(', u'⁽'}, {u')', u'⁾'},
                                          {u'n', u'ⁿ'}, {u'i', u'ⁱ'}, {u'T', u'ᵀ'}};
  return map.value(c, QChar());
}

QChar subscript(QChar c) {
  static const QHash<QChar, QChar> map = {{u'0', u'₀'}, {u'1', u'₁'}, {u'2', u'₂'}, {u'3', u'₃'}, {u'4', u'₄'},
                                          {u'5', u'₅'}, {u'6', u'₆'}, {u'7', u'₇'}, {u'8', u'₈'}, {u'9', u'₉'},
                                          {u'+', u'₊'}, {u'-', u'₋'}, {u'=', u'₌'}, {u'(', u'₍'}, {u')', u'₎'},
                                          {u'i', u'ᵢ'}, {u'j', u'ⱼ'}, {u'n', u'ₙ'}, {u'k', u'ₖ'}, {u'x', u'ₓ'}};
  return map.value(c, QChar());
}

const QHash<QString, QString>& commands() {
  static const QHash<QString, QString> map = {
      {QStringLiteral("alpha"), QStringLiteral("α")},      {QStringLiteral("beta"), QStringLiteral("β")},
      {QStringLiteral("gamma"), QStringLiteral("γ")},      {QStringLiteral("delta"), QStringLiteral("δ")},
      {QStringLiteral("epsilon"), QStringLiteral("ε")},    {QStringLiteral("theta"), QStringLiteral("θ")},
      {QStringLiteral("lambda"), QStringLiteral("λ")},     {QStringLiteral("mu"), QStringLiteral("μ")},
      {QStringLiteral("pi"), QStringLiteral("π")},         {QStringLiteral("sigma"), QStringLiteral("σ")},
      {QStringLiteral("phi"), QStringLiteral("φ")},        {QStringLiteral("omega"), QStringLiteral("ω")},
      {QStringLiteral("Delta"), QStringLiteral("Δ")},      {QStringLiteral("Sigma"), QStringLiteral("Σ")},
      {QStringLiteral("Omega"), QStringLiteral("Ω")},      {QStringLiteral("times"), QStringLiteral("×")},
      {QStringLiteral("cdot"), QStringLiteral("·")},       {QStringLiteral("div"), QStringLiteral("÷")},
      {QStringLiteral("pm"), QStringLiteral("±")},         {QStringLiteral("leq"), QStringLiteral("≤")},
      {QStringLiteral("le"), QStringLiteral("≤")},         {QStringLiteral("geq"), QStringLiteral("≥")},
      {QStringLiteral("ge"), QStringLiteral("≥")},         {QStringLiteral("neq"), QStringLiteral("≠")},
      {QStringLiteral("approx"), QStringLiteral("≈")},     {QStringLiteral("infty"), QStringLiteral("∞")},
      {QStringLiteral("sqrt"), QStringLiteral("√")},       {QStringLiteral("to"), QStringLiteral("→")},
      {QStringLiteral("rightarrow"), QStringLiteral("→")}, {QStringLiteral("degree"), QStringLiteral("°")},
      {QStringLiteral("circ"), QStringLiteral("°")},       {QStringLiteral("sum"), QStringLiteral("∑")},
      {QStringLiteral("int"), QStringLiteral("∫")},        {QStringLiteral("partial"), QStringLiteral("∂")}};
  return map;
}

// The group after ^ or _ (a braced group or one character), from `i`; advances `i`.
QString group(const QString& s, qsizetype& i) {
  if (i >= s.size()) return {};
  if (s[i] != u'{') return QString(s[i++]);
  qsizetype depth = 0;
  const qsizetype start = i + 1;
  for (; i < s.size(); ++i) {
    if (s[i] == u'{') ++depth;
    if (s[i] == u'}' && --depth == 0) break;
  }
  const QString inner = s.mid(start, i - start);
  if (i < s.size()) ++i;
  return inner;
}

// Whether `text` can be written with the script characters of `map`.
QString scripted(const QString& text, QChar (*map)(QChar), QChar marker) {
  QString out;
  for (QChar c : text) {
    const QChar m = map(c);
    if (m.isNull()) return QString(marker) + (text.size() == 1 ? text : QLatin1Char('(') + text + QLatin1Char(')'));
    out += m;
  }
  return out;
}

}  // namespace

QString mathToUnicode(const QString& tex) {
  QString out;
  for (qsizetype i = 0; i < tex.size();) {
    const QChar c = tex[i];
    if (c == u'\\') {
      qsizetype j = i + 1;
      while (j < tex.size() && tex[j].isLetter()) ++j;
      const QString name = tex.mid(i + 1, j - i - 1);
      i = j;
      if (name == QLatin1String("frac")) {
        const QString a = mathToUnicode(group(tex, i));
        const QString b = mathToUnicode(group(tex, i));
        out += (a.size() > 1 ? QLatin1Char('(') + a + QLatin1Char(')') : a) + QLatin1Char('/') +
               (b.size() > 1 ? QLatin1Char('(') + b + QLatin1Char(')') : b);
      } else if (commands().contains(name)) {
        out += commands().value(name);
      } else if (name.isEmpty() && i < tex.size()) {
        out += tex[i++];  // \{ \% \$ ...
      } else {
        out += name;  // \text, \mathrm ... : their argument follows as a group
      }
      continue;
    }
    if (c == u'^' || c == u'_') {
      ++i;
      const QString g = mathToUnicode(group(tex, i));
      out += c == u'^' ? scripted(g, superscript, u'^') : scripted(g, subscript, u'_');
      continue;
    }
    if (c == u'{' || c == u'}') {
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

QString readableInlineMath(const QString& md) {
  QString out;
  out.reserve(md.size());
  bool fence = false;
  qsizetype lineStart = 0;
  for (qsizetype i = 0; i < md.size();) {
    if (i == lineStart) {
      // A fenced code block is left exactly as it is.
      const QString line = md.mid(i, md.indexOf(u'\n', i) < 0 ? md.size() - i : md.indexOf(u'\n', i) - i);
      if (line.trimmed().startsWith(QLatin1String("```"))) fence = !fence;
      if (fence || line.trimmed().startsWith(QLatin1String("```"))) {
        out += line;
        i += line.size();
        if (i < md.size()) out += md[i++];
        lineStart = i;
        continue;
      }
    }
    const QChar c = md[i];
    if (c == u'\n') {
      out += c;
      lineStart = ++i;
      continue;
    }
    if (c == u'`') {  // a code span, up to the same number of backticks
      qsizetype n = 0;
      while (i + n < md.size() && md[i + n] == u'`') ++n;
      const QString ticks(n, u'`');
      const qsizetype end = md.indexOf(ticks, i + n);
      const qsizetype stop = end < 0 ? i + n : end + n;
      out += md.mid(i, stop - i);
      i = stop;
      continue;
    }
    QString close;
    qsizetype open = 0;
    if (c == u'$' && i + 1 < md.size() && md[i + 1] != u'$' && !md[i + 1].isSpace()) {
      close = QStringLiteral("$");
      open = 1;
    } else if (c == u'\\' && i + 1 < md.size() && md[i + 1] == u'(') {
      close = QStringLiteral("\\)");
      open = 2;
    }
    if (open > 0) {
      const qsizetype end = md.indexOf(close, i + open);
      const qsizetype newline = md.indexOf(u'\n', i);
      const QString body = end < 0 ? QString() : md.mid(i + open, end - i - open);
      if (end > 0 && (newline < 0 || end < newline) && !body.isEmpty() && !body.back().isSpace()) {
        out += QLatin1Char('*') + mathToUnicode(body).trimmed() + QLatin1Char('*');
        i = end + close.size();
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace qwenvl::app
