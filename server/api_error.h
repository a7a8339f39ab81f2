// An error answered in the OpenAI shape: {"error": {"message", "type", "param", "code"}} with
// its HTTP status. Every refusal the server gives is one of these, so clients written for the
// OpenAI API show the message instead of a parse failure.
#pragma once

#include <string>

namespace qwenvl::server {

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // empty: null
  std::string code;   // empty: null

  static ApiError bad_request(std::string message, std::string param = {}, std::string code = {}) {
    return {400, std::move(message), "invalid_request_error", std::move(param), std::move(code)};
  }
  static ApiError too_large(std::string message, std::string param = {}, std::string code = {}) {
    return {413, std::move(message), "invalid_request_error", std::move(param), std::move(code)};
  }
};

// The error as the JSON body of a response.
std::string error_json(const ApiError& e);

}  // namespace qwenvl::server
