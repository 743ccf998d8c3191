package redisstate

import (
	"errors"
	"net"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// isClusterURL reports whether rawURL names a Redis Cluster (redis+cluster://, rediss+cluster://).
func isClusterURL(rawURL string) bool {
	scheme, _, _ := strings.Cut(rawURL, "://")
	return scheme == "redis+cluster" || scheme == "rediss+cluster"
}

// openCluster is Open for "redis+cluster://[:password@]host1:6379,host2:6379[?option=value]":
// go-redis's ClusterClient, which learns the whole cluster from any of the nodes given.
// Errors: invalid (bad URL; the message never shows the password).
func openCluster(rawURL string) (*Store, error) {
	opts, err := clusterOptions(rawURL)
	if err != nil {
		return nil, invalidURL("Redis Cluster URL must look like redis+cluster://[:password@]host1:6379,host2:6379", err)
	}
	q := clusterQuery(rawURL)
	shortTimeouts(q, &opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.MaxRetries)
	contextBudgets(q, &opts.PoolTimeout, &opts.ContextTimeoutEnabled)
	smallBuffers(&opts.ReadBufferSize, &opts.WriteBufferSize)
	return New(redis.NewClusterClient(opts)), nil
}

// clusterOptions turns the comma-separated host list into go-redis's form (the first host,
// then addr= for each other one) and parses that.
func clusterOptions(rawURL string) (*redis.ClusterOptions, error) {
	scheme, rest, _ := strings.Cut(rawURL, "://")
	rest, query, _ := strings.Cut(rest, "?")
	var user string
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		user, rest = rest[:at+1], rest[at+1:]
	}
	hostList, db, _ := strings.Cut(rest, "/")
	if db != "" && db != "0" {
		return nil, errors.New("a Redis Cluster has only database 0")
	}
	hosts, err := clusterHosts(hostList)
	if err != nil {
		return nil, err
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, errors.New("the options after ? are not a valid query")
	}
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	return redis.ParseClusterURL(strings.TrimSuffix(scheme, "+cluster") + "://" + user + hosts[0] + "?" + q.Encode())
}

// clusterHosts splits "h1:6379,h2" into host:port pairs (6379 when the port is left out).
func clusterHosts(list string) ([]string, error) {
	var out []string
	for _, h := range strings.Split(list, ",") {
		if h == "" {
			return nil, errors.New("an empty host in the list")
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, "6379")
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil || host == "" || strings.Trim(port, "0123456789") != "" || port == "" {
			return nil, errors.New("each host must be host or host:port")
		}
		out = append(out, h)
	}
	return out, nil
}

// clusterQuery returns the options after "?" (empty when they do not parse: clusterOptions
// has refused the URL by then).
func clusterQuery(rawURL string) url.Values {
	_, query, _ := strings.Cut(rawURL, "?")
	q, _ := url.ParseQuery(query)
	return q
}
