// SPDX-License-Identifier: Apache-2.0
// tests/support/redis_server.hpp - a private redis-server for store tests
//
// DESCRIPTION
//   redis_server::instance() starts one redis-server per test process on
//   127.0.0.1 and a free port (no persistence, no config file), and stops it
//   when the process exits. unavailable() says why there is none (not
//   installed, did not start), for GTEST_SKIP.
#pragma once

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace replyguard::test {

class redis_server {
public:
    static redis_server& instance() {
        static redis_server s;
        return s;
    }
    const std::string& unavailable() const { return why_; }
    int port() const { return port_; }
    std::string url(int db = 0) const {
        return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
    }

    /// Empty every database (each test starts from nothing).
    bool flush() const {
        redisContext* c = redisConnect("127.0.0.1", port_);
        if (!c || c->err) {
            if (c) redisFree(c);
            return false;
        }
        auto* r = static_cast<redisReply*>(redisCommand(c, "FLUSHALL"));
        bool ok = r && r->type != REDIS_REPLY_ERROR;
        if (r) freeReplyObject(r);
        redisFree(c);
        return ok;
    }
    /// Every key of database 0, sorted (KEYS: fine for a test server).
    std::vector<std::string> keys() const {
        std::vector<std::string> out;
        redisContext* c = redisConnect("127.0.0.1", port_);
        if (!c || c->err) {
            if (c) redisFree(c);
            return out;
        }
        auto* r = static_cast<redisReply*>(redisCommand(c, "KEYS *"));
        for (std::size_t i = 0; r && i < r->elements; ++i) out.emplace_back(r->element[i]->str);
        if (r) freeReplyObject(r);
        redisFree(c);
        std::sort(out.begin(), out.end());
        return out;
    }
    /// TTL of a key in seconds (-1: none, -2: no such key; -99: no answer).
    long long ttl(const std::string& key) const {
        redisContext* c = redisConnect("127.0.0.1", port_);
        if (!c || c->err) {
            if (c) redisFree(c);
            return -99;
        }
        auto* r = static_cast<redisReply*>(redisCommand(c, "TTL %s", key.c_str()));
        long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -99;
        if (r) freeReplyObject(r);
        redisFree(c);
        return v;
    }
    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }
    /// Start again on the same port (after stop()).
    bool start() {
        pid_ = ::fork();
        if (pid_ == 0) {
            // Keep the test output readable: the server's own messages go nowhere.
            if (int fd = ::open("/dev/null", O_WRONLY); fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            std::string p = std::to_string(port_);
            ::execlp("redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", "--dir", "/tmp",
                     static_cast<char*>(nullptr));
            ::_exit(127);
        }
        if (pid_ < 0) return false;
        for (int i = 0; i < 100; ++i) {
            // Ours, not another test's server that took the port between free_port()
            // and this start (ctest runs tests in parallel): its INFO names our pid.
            if (answers_as(pid_)) return true;
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }
    ~redis_server() { stop(); }

private:
    redis_server() {
        bool found = false;
        if (const char* path = std::getenv("PATH"))
            for (std::string_view p(path); !p.empty();) {
                auto c = p.find(':');
                std::filesystem::path d(std::string(p.substr(0, c)));
                if (std::filesystem::exists(d / "redis-server")) {
                    found = true;
                    break;
                }
                p = c == std::string_view::npos ? std::string_view{} : p.substr(c + 1);
            }
        if (!found) {
            why_ = "redis-server is not installed (Debian redis-server, scripts/packages/milter.txt)";
            return;
        }
        // A port another process takes before redis-server binds it: try another.
        for (int attempt = 0; attempt < 5; ++attempt) {
            port_ = free_port();
            if (start()) return;
            stop();
        }
        why_ = "redis-server did not start on 127.0.0.1:" + std::to_string(port_);
    }
    /// Whether the server on port_ answers and is the process `pid`.
    bool answers_as(pid_t pid) const {
        redisContext* c = redisConnect("127.0.0.1", port_);
        if (!c || c->err) {
            if (c) redisFree(c);
            return false;
        }
        auto* r = static_cast<redisReply*>(redisCommand(c, "INFO server"));
        bool ours = false;
        if (r && r->type == REDIS_REPLY_STRING) {
            const std::string info(r->str, r->len);
            const std::string want = "process_id:" + std::to_string(pid) + "\r\n";
            ours = info.find(want) != std::string::npos;
        }
        if (r) freeReplyObject(r);
        redisFree(c);
        return ours;
    }
    static int free_port() {
        int s = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
        int port = ntohs(a.sin_port);
        ::close(s);
        return port;
    }
    pid_t pid_ = -1;
    int port_ = 0;
    std::string why_;
};

}  // namespace replyguard::test
