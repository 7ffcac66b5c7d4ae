#ifndef DLFS_CCURL_H
#define DLFS_CCURL_H

#include <stddef.h>

/// Receives each piece of a response body with the response's status and announced length (-1 when
/// absent); returns 0 to go on, anything else to stop the transfer.
typedef int (*dlfs_curl_sink)(const char *data, size_t count, long status, long long expected, void *context);

/// What one GET ended with.
typedef struct {
    /// libcurl's result code: 0 on success, 28 on timeout, 23 when the sink stopped the transfer.
    int code;
    /// The HTTP status, 0 when no response arrived.
    long status;
    /// The announced Content-Length, -1 when there was none.
    long long expected;
    /// libcurl's words for a failure, or why libcurl could not be loaded.
    char message[256];
} dlfs_curl_result;

/// GETs `url` through libcurl's blocking easy interface (loaded with dlopen, the library FoundationNetworking
/// itself uses): waits in poll, never spins; `timeout_ms` bounds the whole transfer, connection included.
/// Returns 0 when libcurl ran (see `result->code`), -1 when it could not be loaded.
int dlfs_curl_get(const char *url, const char *user_agent, long timeout_ms, dlfs_curl_sink sink, void *context,
                  dlfs_curl_result *result);

#endif
