#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// The few libcurl declarations used, with their values from curl/curl.h (a stable ABI since libcurl 7).
typedef void CURL;
enum {
    OPT_WRITEDATA = 10001, OPT_URL = 10002, OPT_ERRORBUFFER = 10010, OPT_USERAGENT = 10018,
    OPT_WRITEFUNCTION = 20011, OPT_FOLLOWLOCATION = 52, OPT_MAXREDIRS = 68, OPT_NOSIGNAL = 99,
    OPT_TIMEOUT_MS = 155, OPT_PROTOCOLS = 181,
    INFO_RESPONSE_CODE = 0x200000 + 2, INFO_CONTENT_LENGTH_DOWNLOAD_T = 0x600000 + 15,
    PROTO_HTTP = 1, PROTO_HTTPS = 2, ERROR_SIZE = 256,
};

static struct {
    CURL *(*init)(void);
    int (*setopt)(CURL *, int, ...);
    int (*perform)(CURL *);
    int (*getinfo)(CURL *, int, ...);
    void (*cleanup)(CURL *);
    const char *(*strerror)(int);
    const char *failure;
} curl;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void) {
#ifdef __APPLE__
    void *library = dlopen("/usr/lib/libcurl.4.dylib", RTLD_NOW | RTLD_LOCAL);
#else
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
#endif
    if (!library) { curl.failure = dlerror(); return; }
    curl.init = (CURL *(*)(void))dlsym(library, "curl_easy_init");
    curl.setopt = (int (*)(CURL *, int, ...))dlsym(library, "curl_easy_setopt");
    curl.perform = (int (*)(CURL *))dlsym(library, "curl_easy_perform");
    curl.getinfo = (int (*)(CURL *, int, ...))dlsym(library, "curl_easy_getinfo");
    curl.cleanup = (void (*)(CURL *))dlsym(library, "curl_easy_cleanup");
    curl.strerror = (const char *(*)(int))dlsym(library, "curl_easy_strerror");
    if (!curl.init || !curl.setopt || !curl.perform || !curl.getinfo || !curl.cleanup || !curl.strerror) {
        curl.failure = "libcurl lacks curl_easy_* functions";
    }
}

struct transfer {
    CURL *handle;
    dlfs_curl_sink sink;
    void *context;
};

static void response(CURL *handle, long *status, long long *expected) {
    *status = 0;
    *expected = -1;
    curl.getinfo(handle, INFO_RESPONSE_CODE, status);
    long long length = -1;
    if (curl.getinfo(handle, INFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == 0 && length >= 0) *expected = length;
}

static size_t write_body(char *data, size_t size, size_t count, void *pointer) {
    struct transfer *transfer = pointer;
    long status;
    long long expected;
    response(transfer->handle, &status, &expected);
    return transfer->sink(data, size * count, status, expected, transfer->context) == 0 ? size * count : 0;
}

int dlfs_curl_get(const char *url, const char *user_agent, long timeout_ms, dlfs_curl_sink sink, void *context,
                  dlfs_curl_result *result) {
    memset(result, 0, sizeof *result);
    result->expected = -1;
    pthread_once(&loaded, load);
    if (curl.failure) {
        snprintf(result->message, sizeof result->message, "cannot load libcurl: %s", curl.failure);
        return -1;
    }
    struct transfer transfer = {curl.init(), sink, context};
    if (!transfer.handle) {
        snprintf(result->message, sizeof result->message, "curl_easy_init failed");
        return -1;
    }
    char error[ERROR_SIZE] = "";
    curl.setopt(transfer.handle, OPT_URL, url);
    curl.setopt(transfer.handle, OPT_USERAGENT, user_agent);
    curl.setopt(transfer.handle, OPT_TIMEOUT_MS, timeout_ms);
    curl.setopt(transfer.handle, OPT_NOSIGNAL, 1L);
    curl.setopt(transfer.handle, OPT_FOLLOWLOCATION, 1L);
    curl.setopt(transfer.handle, OPT_MAXREDIRS, 5L);
    curl.setopt(transfer.handle, OPT_PROTOCOLS, (long)(PROTO_HTTP | PROTO_HTTPS));
    curl.setopt(transfer.handle, OPT_ERRORBUFFER, error);
    curl.setopt(transfer.handle, OPT_WRITEFUNCTION, write_body);
    curl.setopt(transfer.handle, OPT_WRITEDATA, &transfer);
    result->code = curl.perform(transfer.handle);
    response(transfer.handle, &result->status, &result->expected);
    snprintf(result->message, sizeof result->message, "%s", error[0] ? error : curl.strerror(result->code));
    curl.cleanup(transfer.handle);
    return 0;
}
