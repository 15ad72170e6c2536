# The only public entry point: POST /slack/commands and /slack/interactions → ack. Throttled; access logs carry request
# metadata, never bodies.
resource "aws_apigatewayv2_api" "slack" {
  name          = "${var.name_prefix}-slack"
  description   = "Slack slash-command endpoint for snap"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "ack" {
  api_id                 = aws_apigatewayv2_api.slack.id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.ack.invoke_arn
  integration_method     = "POST"
  payload_format_version = "2.0"
  timeout_milliseconds   = 10000
}

resource "aws_apigatewayv2_route" "commands" {
  api_id    = aws_apigatewayv2_api.slack.id
  route_key = "POST ${local.command_path}"
  target    = "integrations/${aws_apigatewayv2_integration.ack.id}"
}

resource "aws_apigatewayv2_route" "interactions" {
  api_id    = aws_apigatewayv2_api.slack.id
  route_key = "POST ${local.interactions_path}"
  target    = "integrations/${aws_apigatewayv2_integration.ack.id}"
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/apigateway/${var.name_prefix}-slack"
  retention_in_days = var.log_retention_days
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.slack.id
  name        = "$default"
  auto_deploy = true

  # Route settings name routes by key; they must exist first.
  depends_on = [aws_apigatewayv2_route.install]

  default_route_settings {
    throttling_rate_limit  = var.api_throttle_rate
    throttling_burst_limit = var.api_throttle_burst
  }

  # The install routes serve browsers, a few requests per installation, and anyone may call them
  # without a signature: their own, smaller allowance caps what anonymous traffic there costs.
  dynamic "route_settings" {
    for_each = local.install_enabled ? local.browser_routes : {}
    content {
      route_key              = route_settings.value
      throttling_rate_limit  = var.install_throttle_rate
      throttling_burst_limit = var.install_throttle_burst
    }
  }

  # Slack's events (app_home_opened, app_uninstalled, tokens_revoked), served in every mode, get an
  # allowance of their own, sized for Slack's traffic rather than a browser's: under the browsers'
  # 5 requests a second, ten unsigned requests a second from anyone made API Gateway answer
  # Slack's real events with 429 until Slack gave up. Junk beyond this allowance can still crowd
  # them out (nothing before the signature check tells them apart); a lost event then costs a
  # Home tab not drawn until it is opened again, or a dead token kept until the next function
  # that uses it meets Slack's refusal and deletes it (docs/operations.md).
  route_settings {
    route_key              = local.install_routes.events
    throttling_rate_limit  = var.events_throttle_rate
    throttling_burst_limit = var.events_throttle_burst
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      time               = "$context.requestTime"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      latencyMs          = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
    })
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = module.ack.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.slack.execution_arn}/*/POST/slack/*"
}
