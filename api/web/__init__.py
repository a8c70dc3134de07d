"""The ASGI application and what is served over HTTP around the GraphQL schema: the routes (GraphQL over HTTP and
WebSocket, the OAuth endpoints, the sign-in pages, GraphiQL and its static files, the IPAs' PDFs, health) and the
HTTP middleware (request limits, CORS, security headers, the request id, the WebSockets' token checks)."""
