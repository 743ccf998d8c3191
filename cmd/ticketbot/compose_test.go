package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ticketbot/ticketbot/config"
)

// compose.yaml wires the bot to its database and Redis with variables ticketbot reads; a
// renamed or misspelt variable would be silently ignored, so the test names it.
func TestComposeFileSetsOnlyVariablesTicketbotReads(t *testing.T) {
	raw, err := os.ReadFile("../../docs/deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]struct {
			Build struct {
				Context    string `yaml:"context"`
				Dockerfile string `yaml:"dockerfile"`
			} `yaml:"build"`
			Environment map[string]string `yaml:"environment"`
			DependsOn   map[string]any    `yaml:"depends_on"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	bot, ok := f.Services["ticketbot"]
	if !ok || bot.Build.Context != "../.." || bot.Build.Dockerfile != "docs/deploy/Dockerfile" {
		t.Fatalf("no ticketbot service built from the Dockerfile: %+v", f.Services)
	}
	for _, dep := range []string{"db", "redis"} {
		if _, ok := f.Services[dep]; !ok {
			t.Errorf("service %s missing", dep)
		}
		if _, ok := bot.DependsOn[dep]; !ok {
			t.Errorf("ticketbot does not wait for %s", dep)
		}
	}
	known := map[string]bool{"TICKETBOT_LOG_LEVEL": true} // read in main, not in config
	collectEnvTags(reflect.TypeFor[config.Config](), known)
	for k := range bot.Environment {
		if !known[k] {
			t.Errorf("compose.yaml sets %s, which ticketbot does not read", k)
		}
	}
	if !strings.HasPrefix(bot.Environment["TICKETBOT_DATABASE_URL"], "mysql://") || !strings.Contains(bot.Environment["TICKETBOT_DATABASE_URL"], "@db:3306/") {
		t.Errorf("the database URL does not point at the db service: %q", bot.Environment["TICKETBOT_DATABASE_URL"])
	}
	if bot.Environment["TICKETBOT_REDIS_URL"] != "redis://redis:6379/0" {
		t.Errorf("the Redis URL does not point at the redis service: %q", bot.Environment["TICKETBOT_REDIS_URL"])
	}
}

func collectEnvTags(t reflect.Type, into map[string]bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if k := f.Tag.Get("env"); k != "" {
			into[k] = true
		}
		if f.Type.Kind() == reflect.Struct {
			collectEnvTags(f.Type, into)
		}
	}
}
