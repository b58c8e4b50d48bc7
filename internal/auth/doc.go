// Package auth signs agents in and out: argon2id password hashes, opaque
// session tokens (only their SHA-256 is stored), per-IP and per-e-mail login
// rate limits, and the roles that decide what an agent may do.
//
// A Service is safe for concurrent use. Rate-limit state is in memory on
// each node: a node limits what it sees, which is enough to stop password
// guessing (an attacker spread over N nodes gets N times the budget, still
// a handful of guesses a minute).
package auth
