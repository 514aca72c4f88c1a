// Context is what a running command uses: its parsed flags' idempotency
// keys, the connection to walletd and the output. A command builds its
// request and hands it to Run (one call), RunList (a paged list) or
// RunStream (an outbox stream) with the function that turns the response
// into a Report; Context prints it in the format asked for.
//
// Example:
//   absl::Status Adjust(const Args& args, Context& context) {
//     auto request = MeterAmountRequest<v1::AdjustBalanceRequest>(args, context);
//     ...
//     return context.Run(&AdminStub::AdjustBalance, request, AdjustedReport);
//   }
//
// Errors: every Run* returns the call's failure with its gRPC code (exit 1),
// or Unavailable when standard output cannot be written.
//
// Thread safety: a Context serves one command on one thread.
#ifndef WALLETCTL_CONTEXT_H_
#define WALLETCTL_CONTEXT_H_

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"
#include "walletctl/command.h"
#include "walletctl/connection.h"
#include "walletctl/output.h"
#include "walletctl/stream.h"

namespace walletctl {

template <typename Stub, typename Request, typename Response>
using RpcMethod = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

template <typename Stub, typename Item>
using StreamMethod = std::unique_ptr<grpc::ClientReaderWriter<wallet::v1::StreamAck, Item>> (
    Stub::*)(grpc::ClientContext*);

// A paged response's items: its mutable repeated field, e.g.
// &v1::ListMetersResponse::mutable_meters.
template <typename Response, typename Item>
using PageItems = google::protobuf::RepeatedPtrField<Item>* (Response::*)();

template <typename Stub, typename Request, typename Item>
using ServerStreamMethod = std::unique_ptr<grpc::ClientReader<Item>> (Stub::*)(
    grpc::ClientContext*, const Request&);

// What a list command asked for: one page, or every page.
struct Paging {
  int32_t page_size = 0;  // 0: the server's default
  std::string page_token;
  bool all = false;  // follow next_page_token to the end
};

// How a stream prints its items: a line of text, or a CSV row under
// `columns`; JSON needs nothing more.
template <typename Item>
struct ItemFormat {
  std::vector<Column> columns;
  std::string (*line)(const Item&);
  std::vector<Value> (*row)(const Item&);
};

class Context {
 public:
  // `connection`, `output` and `err` are not owned and must outlive the
  // Context.
  Context(const Args& args, const Connection& connection, Output& output, std::FILE* err)
      : args_(args), connection_(connection), output_(output), err_(err) {}

  // IdempotencyKey returns `flag`'s value, or a fresh id that the first call
  // announces on standard error with the flags a retry must repeat.
  std::string IdempotencyKey(const FlagSpec& flag);

  // TimeOrNow returns `flag`'s time, or now to the second, which the retry
  // advice of a generated idempotency key repeats (a retried batch must be
  // the same batch).
  absl::Time TimeOrNow(const FlagSpec& flag);

  // Call sends one unary call and returns its response.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(RpcMethod<Stub, Request, Response> method, const Request& request) {
    AnnounceGeneratedKeys();
    grpc::ClientContext call;
    connection_.Prepare(call, /*deadline=*/true);
    Response response;
    Stub& stub = connection_.Stub<Stub>();
    if (grpc::Status status = (stub.*method)(&call, request, &response); !status.ok()) {
      return FromGrpc(status);
    }
    return response;
  }

  // List calls a paged `method` once or, with `paging.all`, until the last
  // page, appending each later page's `items` (the response's mutable
  // repeated field, e.g. &v1::ListMetersResponse::mutable_meters) to the
  // first response.
  template <typename Stub, typename Request, typename Response, typename Item>
  absl::StatusOr<Response> List(RpcMethod<Stub, Request, Response> method, Request request,
                                const Paging& paging, PageItems<Response, Item> items) {
    request.set_page_size(paging.page_size);
    request.set_page_token(paging.page_token);
    absl::StatusOr<Response> all = Call(method, request);
    while (all.ok() && paging.all && !all->next_page_token().empty()) {
      // A server handing back the token it was given would loop forever.
      if (all->next_page_token() == request.page_token()) {
        return absl::InternalError("server repeated the page token");
      }
      request.set_page_token(all->next_page_token());
      absl::StatusOr<Response> page = Call(method, request);
      if (!page.ok()) return page.status();
      for (Item& item : *((*page).*items)()) *((*all).*items)()->Add() = std::move(item);
      all->set_next_page_token(page->next_page_token());
    }
    return all;
  }

  // Show prints `response`: as JSON, or as the Report `report` makes of it.
  template <typename Response>
  absl::Status Show(const Response& response, Report (*report)(const Response&)) {
    return output_.Show(response, [&] { return report(response); });
  }

  // Run is Call, then Show. With `verdict`, a call that succeeded and was
  // shown still fails the command (exit 1) with what `verdict` returns, for
  // an answer that a script must notice (a rejected reading, a broken
  // ledger).
  template <typename Stub, typename Request, typename Response>
  absl::Status Run(RpcMethod<Stub, Request, Response> method, const Request& request,
                   Report (*report)(const Response&),
                   absl::Status (*verdict)(const Response&) = nullptr) {
    absl::StatusOr<Response> response = Call(method, request);
    if (!response.ok()) return response.status();
    if (absl::Status shown = Show(*response, report); !shown.ok()) return shown;
    return verdict == nullptr ? absl::OkStatus() : verdict(*response);
  }

  // RunList is List with the paging flags (--page_size, --page_token, --all),
  // then Show, then a hint on standard error if pages are left.
  template <typename Stub, typename Request, typename Response, typename Item>
  absl::Status RunList(RpcMethod<Stub, Request, Response> method, Request request,
                       PageItems<Response, Item> items, Report (*report)(const Response&)) {
    absl::StatusOr<Response> response = List(method, std::move(request), PagingFlags(), items);
    if (!response.ok()) return response.status();
    if (absl::Status shown = Show(*response, report); !shown.ok()) return shown;
    MorePages(response->next_page_token());
    return absl::OkStatus();
  }

  // RunStream opens an outbox stream and prints its items as they come
  // (stream.h says when it stops and what it acknowledges).
  template <typename Stub, typename Item>
  absl::Status RunStream(StreamMethod<Stub, Item> method, const StreamOptions& options,
                         const ItemFormat<Item>& format) {
    if (absl::Status started = output_.StartItems(format.columns); !started.ok()) return started;
    grpc::ClientContext call;
    connection_.Prepare(call, /*deadline=*/false);
    Stub& stub = connection_.Stub<Stub>();
    auto stream = (stub.*method)(&call);
    return ReadOutbox(call, *stream, options, connection_.timeout(), [&](const Item& item) {
      return output_.ShowItem(item, format.line(item), format.row(item));
    });
  }

  // OpenStream opens a bidirectional call of `method` on `call` (which
  // must outlive the stream), without a deadline, for a command that drives
  // its own messages (import-dues).
  template <typename Stub, typename Request, typename Response>
  std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> OpenStream(
      std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> (Stub::*method)(
          grpc::ClientContext*),
      grpc::ClientContext& call) {
    AnnounceGeneratedKeys();
    connection_.Prepare(call, /*deadline=*/false);
    return (connection_.Stub<Stub>().*method)(&call);
  }

  // Follow opens a server stream and hands each message to `on_item` (which
  // may stop the stream with an error) until the server ends it; the
  // stream's status, or `on_item`'s error.
  template <typename Stub, typename Request, typename Item, typename OnItem>
  absl::Status Follow(ServerStreamMethod<Stub, Request, Item> method, const Request& request,
                      OnItem on_item) {
    grpc::ClientContext call;
    connection_.Prepare(call, /*deadline=*/false);
    Stub& stub = connection_.Stub<Stub>();
    std::unique_ptr<grpc::ClientReader<Item>> reader = (stub.*method)(&call, request);
    Item item;
    while (reader->Read(&item)) {
      if (absl::Status handled = on_item(item); !handled.ok()) {
        call.TryCancel();
        reader->Finish().ok();
        return handled;
      }
    }
    return FromGrpc(reader->Finish());
  }

  Output& output() { return output_; }

  // Note prints one line on standard error: advice that must not mix with
  // the output a script reads.
  void Note(absl::string_view line);

  // Progress shows `line` as the live progress line on standard error: on a
  // terminal it replaces the previous one (EndProgress ends it); elsewhere
  // each is a line of its own, for a log.
  void Progress(absl::string_view line);
  void EndProgress();

 private:
  // PagingFlags is what the paging flags ask for.
  Paging PagingFlags() const;
  void AnnounceGeneratedKeys();
  void MorePages(absl::string_view next_page_token);

  const Args& args_;
  const Connection& connection_;
  Output& output_;
  std::FILE* err_;
  // Generated idempotency keys ("--request_id=ctl-...") not yet announced,
  // and defaulted flags a retry must repeat ("--at=...").
  std::vector<std::pair<std::string, std::string>> generated_;  // flag name, id
  std::vector<std::string> defaulted_;
  bool progress_shown_ = false;  // a live progress line is on the terminal
};

}  // namespace walletctl

#endif  // WALLETCTL_CONTEXT_H_
