// grpc_peer — the gRPC C++ peer of bench/run's grpc scenarios: a minimal
// benchmark.BenchmarkService (tests/fixtures/arena/requests/benchmark.proto, the arena's) on
// Debian's libgrpc++, the way a user would write it with the callback API.
//
//   grpc_peer PORT        listens on 127.0.0.1:PORT (h2c, insecure credentials)
//
// GetSum answers a + b; StreamSum writes count replies a + b + i (i = 0..count-1),
// each its own message, then OK. CollectSum and EchoSum are left unimplemented
// (UNIMPLEMENTED), as the bench does not call them. SIGTERM/SIGINT shut it down.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "benchmark.grpc.pb.h"

namespace
{

class SumStream : public grpc::ServerWriteReactor<benchmark::SumReply>
{
  public:
    explicit SumStream(const benchmark::StreamRequest *req) : a_(req->a()), b_(req->b()), count_(req->count())
    {
        NextWrite();
    }
    void OnWriteDone(bool ok) override
    {
        if (!ok) {
            Finish(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
            return;
        }
        NextWrite();
    }
    void OnDone() override { delete this; }

  private:
    void NextWrite()
    {
        if (i_ >= count_) {
            Finish(grpc::Status::OK);
            return;
        }
        // int32 wraps like the arena's contract (proto3 int32 arithmetic)
        reply_.set_result(static_cast<int32_t>(static_cast<uint32_t>(a_) + static_cast<uint32_t>(b_) +
                                               static_cast<uint32_t>(i_)));
        i_++;
        StartWrite(&reply_);
    }
    int32_t a_, b_, count_;
    int32_t i_ = 0;
    benchmark::SumReply reply_;
};

class Service final : public benchmark::BenchmarkService::CallbackService
{
    grpc::ServerUnaryReactor *GetSum(grpc::CallbackServerContext *ctx, const benchmark::SumRequest *req,
                                     benchmark::SumReply *reply) override
    {
        reply->set_result(
            static_cast<int32_t>(static_cast<uint32_t>(req->a()) + static_cast<uint32_t>(req->b())));
        auto *r = ctx->DefaultReactor();
        r->Finish(grpc::Status::OK);
        return r;
    }
    grpc::ServerWriteReactor<benchmark::SumReply> *StreamSum(grpc::CallbackServerContext *,
                                                             const benchmark::StreamRequest *req) override
    {
        return new SumStream(req);
    }
};

volatile std::sig_atomic_t stop_requested = 0;

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: grpc_peer PORT\n");
        return 2;
    }
    std::string addr = std::string("127.0.0.1:") + argv[1];
    Service service;
    grpc::ServerBuilder builder;
    builder.AddListeningPort(addr, grpc::InsecureServerCredentials());
    builder.RegisterService(&service);
    builder.SetMaxReceiveMessageSize(4 * 1024 * 1024);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server) {
        std::fprintf(stderr, "grpc_peer: cannot listen on %s\n", addr.c_str());
        return 1;
    }
    std::fprintf(stderr, "grpc_peer: listening on %s\n", addr.c_str());
    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    std::signal(SIGINT, [](int) { stop_requested = 1; });
    while (!stop_requested)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    return 0;
}
