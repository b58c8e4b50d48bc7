// Package httpapi serves the REST APIs: the desk API under /api/v1 (session
// cookie), the widget API under /widget/v1 (public widget key plus visitor
// token, cross-origin by design) and the operational endpoints /healthz,
// /readyz and /metrics. Handlers only translate: decode, authorize, call one
// domain method, encode. respond.go maps every domain error to a status and
// a JSON error code in one place.
package httpapi
