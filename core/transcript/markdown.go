package transcript

import (
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// mdEscaper escapes the characters Markdown gives a meaning (and "<", so no HTML gets
// through a renderer that allows it), so user text reads as written.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "{", `\{`, "}", `\}`, "[", `\[`, "]", `\]`,
	"(", `\(`, ")", `\)`, "#", `\#`, "+", `\+`, "-", `\-`, ".", `\.`, "!", `\!`, "|", `\|`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;", "~", `\~`,
)

func md(s string) string { return mdEscaper.Replace(s) }

// mdBlock is text as a Markdown blockquote, line by line.
func mdBlock(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "> " + md(l)
	}
	return strings.Join(lines, "\n")
}

func renderMarkdown(tr core.Transcript) []byte {
	t := tr.Ticket
	var b strings.Builder
	fmt.Fprintf(&b, "# Ticket #%d: %s\n\n", t.Number, md(t.Title))
	fmt.Fprintf(&b, "- Workspace: %s\n- Status: %s\n- Priority: %s\n", md(t.Workspace.String()), md(string(t.Status)), md(string(t.Priority)))
	if t.Category != "" {
		fmt.Fprintf(&b, "- Category: %s\n", md(t.Category))
	}
	fmt.Fprintf(&b, "- Opened by: %s, %s\n", md(who(t.Reporter)), when(t.CreatedAt))
	if !t.Assignee.IsZero() {
		fmt.Fprintf(&b, "- Assignee: %s\n", md(who(t.Assignee)))
	}
	fmt.Fprintf(&b, "- Transcript: %s variant, made %s\n", variant(tr), when(tr.At))
	if t.Description != "" {
		fmt.Fprintf(&b, "\n## Description\n\n%s\n", mdBlock(t.Description))
	}
	if len(t.Answers) > 0 {
		b.WriteString("\n## Answers\n\n")
		for _, a := range t.Answers {
			fmt.Fprintf(&b, "- **%s**: %s\n", md(a.Question), md(strings.ReplaceAll(a.Value, "\n", " ")))
		}
	}
	b.WriteString("\n## Conversation\n\n")
	if len(tr.Messages) == 0 {
		b.WriteString("No messages.\n")
	}
	for _, m := range tr.Messages {
		label := ""
		if m.Internal {
			label = " (internal note)"
		}
		fmt.Fprintf(&b, "**%s**%s, %s:\n\n%s\n", md(who(m.Author)), label, when(m.CreatedAt), mdBlock(m.Content))
		for _, a := range m.Attachments {
			fmt.Fprintf(&b, ">\n> Attachment: %s\n", md(a.Name))
		}
		b.WriteString("\n")
	}
	b.WriteString("## History\n\n")
	for _, c := range tr.History {
		fmt.Fprintf(&b, "- %s: %s %s\n", when(c.At), md(who(c.Actor)), md(changeText(c)))
	}
	if r := tr.Rating; r != nil {
		fmt.Fprintf(&b, "\n## Rating\n\n%d of 5", r.Score)
		if r.Comment != "" {
			fmt.Fprintf(&b, ": %s", md(strings.ReplaceAll(r.Comment, "\n", " ")))
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}
