package transcript

import (
	"bytes"
	"html/template"

	"github.com/ticketbot/ticketbot/core"
)

// page is the HTML transcript: one file with its style inline and no scripts, images, fonts
// or links to load, so it reads the same offline. html/template escapes every value.
var page = template.Must(template.New("transcript").Funcs(template.FuncMap{
	"when": when, "who": who, "change": changeText,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Ticket #{{.Ticket.Number}}: {{.Ticket.Title}}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f;background:#fff}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#666}dd{margin:0}
.msg{border:1px solid #ddd;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}
.msg header{color:#666;font-size:.85rem}.note{background:#fff8e1;border-color:#f0c36d}
.text{white-space:pre-wrap;word-wrap:break-word}ul.history{padding-left:1.2rem}small{color:#666}
</style>
</head>
<body>
<h1>Ticket #{{.Ticket.Number}}: {{.Ticket.Title}}</h1>
<small>{{.Ticket.Workspace}} · {{if .Staff}}staff transcript, with internal notes{{else}}transcript{{end}} · made {{when .At}}</small>
<dl>
<dt>Status</dt><dd>{{.Ticket.Status}}</dd>
<dt>Priority</dt><dd>{{.Ticket.Priority}}</dd>
{{with .Ticket.Category}}<dt>Category</dt><dd>{{.}}</dd>
{{end}}<dt>Opened by</dt><dd>{{who .Ticket.Reporter}}, {{when .Ticket.CreatedAt}}</dd>
{{if .Ticket.Assignee.ID}}<dt>Assignee</dt><dd>{{who .Ticket.Assignee}}</dd>
{{end}}</dl>
{{with .Ticket.Description}}<h2>Description</h2>
<div class="text">{{.}}</div>
{{end}}{{with .Ticket.Answers}}<h2>Answers</h2>
<dl>
{{range .}}<dt>{{.Question}}</dt><dd class="text">{{.Value}}</dd>
{{end}}</dl>
{{end}}<h2>Conversation</h2>
{{range .Messages}}<div class="msg{{if .Internal}} note{{end}}">
<header><strong>{{who .Author}}</strong>{{if .Internal}} · internal note{{end}} · {{when .CreatedAt}}{{if .Edited}} · edited{{end}}</header>
<div class="text">{{.Content}}</div>
{{range .Attachments}}<div><small>Attachment: {{.Name}}</small></div>
{{end}}</div>
{{else}}<p>No messages.</p>
{{end}}<h2>History</h2>
<ul class="history">
{{range .History}}<li>{{when .At}}: {{who .Actor}} {{change .}}</li>
{{end}}</ul>
{{with .Rating}}<h2>Rating</h2>
<p>{{.Score}} of 5{{with .Comment}}: <span class="text">{{.}}</span>{{end}}</p>
{{end}}</body>
</html>
`))

func renderHTML(tr core.Transcript) ([]byte, error) {
	var b bytes.Buffer
	if err := page.Execute(&b, tr); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
