package afterpay

// Response bodies in the shapes afterpay-api.md documents, pretty-printed the
// way the real sandbox prints them (Jackson style, `"token" : "…"`). Values
// come from the reference where it gives them: the order ID 300000016189, the
// event ID 2ZDXLYkDejYZknHpQgXaXNSkQn5, the SDK README's checkout expiring
// three hours after 14:20:49, the configuration and refund examples, the
// sandbox's void/capture amounts (auth 20.00, void 2.00, capture 2.00), and
// the recorded US sandbox auth expiring seven days after creation.

const testToken = "002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7"

const checkoutCreatedJSON = `{
  "token" : "002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7",
  "expires" : "2020-06-04T17:20:49.347Z",
  "redirectCheckoutUrl" : "https://portal.sandbox.afterpay.com/us/checkout/?token=002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7"
}`

const checkoutDetailsJSON = `{
  "token" : "002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7",
  "expires" : "2020-06-04T17:20:49.347Z",
  "redirectCheckoutUrl" : "https://portal.sandbox.afterpay.com/us/checkout/?token=002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7",
  "amount" : {
    "amount" : "49.90",
    "currency" : "USD"
  },
  "consumer" : {
    "phoneNumber" : "+1 555 0100",
    "givenNames" : "Joe",
    "surname" : "Consumer",
    "email" : "joe.consumer@example.com"
  },
  "merchantReference" : "S00042",
  "merchant" : {
    "redirectConfirmUrl" : "https://shop.example.com/afterpay/confirm",
    "redirectCancelUrl" : "https://shop.example.com/afterpay/cancel"
  },
  "items" : [ {
    "name" : "Blue Shirt",
    "sku" : "FURN_0269",
    "quantity" : 2,
    "price" : {
      "amount" : "19.95",
      "currency" : "USD"
    }
  } ],
  "mode" : "standard"
}`

// paymentCapturedJSON is an immediate-flow capture, approved. It also carries
// a field the client does not know, which must be ignored.
const paymentCapturedJSON = `{
  "id" : "300000016189",
  "token" : "002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7",
  "status" : "APPROVED",
  "created" : "2023-12-05T03:06:22.583Z",
  "originalAmount" : {
    "amount" : "49.90",
    "currency" : "USD"
  },
  "openToCaptureAmount" : {
    "amount" : "0.00",
    "currency" : "USD"
  },
  "paymentState" : "CAPTURED",
  "merchantReference" : "S00042",
  "refunds" : [ ],
  "orderDetails" : {
    "consumer" : {
      "phoneNumber" : "+1 555 0100",
      "givenNames" : "Joe",
      "surname" : "Consumer",
      "email" : "joe.consumer@example.com"
    },
    "billing" : {
      "name" : "Joe Consumer",
      "line1" : "123 Fake Street",
      "line2" : "Apt 4",
      "area1" : "Springfield",
      "region" : "OR",
      "postcode" : "97477",
      "countryCode" : "US",
      "phoneNumber" : "+1 555 0100"
    },
    "shipping" : {
      "name" : "Joe Consumer",
      "line1" : "123 Fake Street",
      "area1" : "Springfield",
      "region" : "OR",
      "postcode" : "97477",
      "countryCode" : "US"
    },
    "courier" : { },
    "items" : [ {
      "name" : "Blue Shirt",
      "sku" : "FURN_0269",
      "quantity" : 2,
      "pageUrl" : "https://shop.example.com/shop/blue-shirt",
      "imageUrl" : "https://shop.example.com/web/image/blue-shirt.png",
      "price" : {
        "amount" : "19.95",
        "currency" : "USD"
      },
      "categories" : [ [ "Clothing", "Shirts" ] ],
      "preorder" : false
    } ],
    "discounts" : [ ],
    "taxAmount" : {
      "amount" : "0.00",
      "currency" : "USD"
    },
    "shippingAmount" : {
      "amount" : "10.00",
      "currency" : "USD"
    }
  },
  "events" : [ {
    "id" : "2ZDXLYkDejYZknHpQgXaXNSkQn5",
    "created" : "2023-12-05T03:06:22.412Z",
    "expires" : null,
    "type" : "CAPTURED",
    "amount" : {
      "amount" : "49.90",
      "currency" : "USD"
    },
    "paymentEventMerchantReference" : null
  } ],
  "someFutureField" : {
    "nested" : [ 1, 2, 3 ]
  }
}`

// paymentCaptureDeclinedJSON is an immediate-flow capture declined: 201 with
// status DECLINED.
const paymentCaptureDeclinedJSON = `{
  "id" : "300000016190",
  "token" : "002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7",
  "status" : "DECLINED",
  "created" : "2023-12-05T03:06:22.583Z",
  "originalAmount" : {
    "amount" : "49.90",
    "currency" : "USD"
  },
  "openToCaptureAmount" : {
    "amount" : "0.00",
    "currency" : "USD"
  },
  "paymentState" : "CAPTURE_DECLINED",
  "merchantReference" : "S00042",
  "refunds" : [ ],
  "orderDetails" : { },
  "events" : [ {
    "id" : "2ZDXLYkDejYZknHpQgXaXNSkQn6",
    "created" : "2023-12-05T03:06:22.412Z",
    "expires" : null,
    "type" : "CAPTURE_DECLINED",
    "amount" : {
      "amount" : "49.90",
      "currency" : "USD"
    }
  } ]
}`

// paymentAuthApprovedJSON is a deferred-flow auth; the auth expires seven
// days after creation, as on the recorded US sandbox.
const paymentAuthApprovedJSON = `{
  "id" : "100203444519",
  "token" : "002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7",
  "status" : "APPROVED",
  "created" : "2023-12-05T03:06:22.583Z",
  "originalAmount" : {
    "amount" : "20.00",
    "currency" : "USD"
  },
  "openToCaptureAmount" : {
    "amount" : "20.00",
    "currency" : "USD"
  },
  "paymentState" : "AUTH_APPROVED",
  "merchantReference" : "S00043",
  "refunds" : [ ],
  "orderDetails" : {
    "consumer" : {
      "email" : "joe.consumer@example.com"
    }
  },
  "events" : [ {
    "id" : "2ZDXLYkDejYZknHpQgXaXNSkQn5",
    "created" : "2023-12-05T03:06:22.412Z",
    "expires" : "2023-12-12T03:06:22.412Z",
    "type" : "AUTH_APPROVED",
    "amount" : {
      "amount" : "20.00",
      "currency" : "USD"
    }
  } ]
}`

// paymentAuthDeclinedJSON is the 402 body of a declined auth: a Payment,
// not an error object.
const paymentAuthDeclinedJSON = `{
  "id" : "100203444520",
  "token" : "002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7",
  "status" : "DECLINED",
  "created" : "2023-12-05T03:06:22.583Z",
  "originalAmount" : {
    "amount" : "20.00",
    "currency" : "USD"
  },
  "openToCaptureAmount" : {
    "amount" : "0.00",
    "currency" : "USD"
  },
  "paymentState" : "AUTH_DECLINED",
  "merchantReference" : "S00043",
  "refunds" : [ ],
  "orderDetails" : { },
  "events" : [ {
    "id" : "2ZDXLYkDejYZknHpQgXaXNSkQn7",
    "created" : "2023-12-05T03:06:22.412Z",
    "expires" : null,
    "type" : "AUTH_DECLINED",
    "amount" : {
      "amount" : "20.00",
      "currency" : "USD"
    }
  } ]
}`

// paymentVoidedPartlyJSON: auth 20.00, void 2.00 → open 18.00, still
// AUTH_APPROVED; the void is appended to events and prepended to refunds.
const paymentVoidedPartlyJSON = `{
  "id" : "100203444519",
  "token" : "002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7",
  "status" : "APPROVED",
  "created" : "2023-12-05T03:06:22.583Z",
  "originalAmount" : {
    "amount" : "20.00",
    "currency" : "USD"
  },
  "openToCaptureAmount" : {
    "amount" : "18.00",
    "currency" : "USD"
  },
  "paymentState" : "AUTH_APPROVED",
  "merchantReference" : "S00043",
  "refunds" : [ {
    "amount" : {
      "amount" : "2.00",
      "currency" : "USD"
    },
    "refundId" : "67890122",
    "refundedAt" : "2023-12-06T09:00:00.000Z"
  } ],
  "orderDetails" : { },
  "events" : [ {
    "id" : "2ZDXLYkDejYZknHpQgXaXNSkQn5",
    "created" : "2023-12-05T03:06:22.412Z",
    "expires" : "2023-12-12T03:06:22.412Z",
    "type" : "AUTH_APPROVED",
    "amount" : {
      "amount" : "20.00",
      "currency" : "USD"
    }
  }, {
    "id" : "2ZDXLYkDejYZknHpQgXaXNSkQn8",
    "created" : "2023-12-06T09:00:00.000Z",
    "expires" : null,
    "type" : "VOIDED",
    "amount" : {
      "amount" : "2.00",
      "currency" : "USD"
    }
  } ]
}`

// paymentPartlyCapturedJSON: auth 20.00, void 2.00, capture 2.00 → open
// 16.00, PARTIALLY_CAPTURED.
const paymentPartlyCapturedJSON = `{
  "id" : "100203444519",
  "token" : "002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7",
  "status" : "APPROVED",
  "created" : "2023-12-05T03:06:22.583Z",
  "originalAmount" : {
    "amount" : "20.00",
    "currency" : "USD"
  },
  "openToCaptureAmount" : {
    "amount" : "16.00",
    "currency" : "USD"
  },
  "paymentState" : "PARTIALLY_CAPTURED",
  "merchantReference" : "S00043",
  "refunds" : [ {
    "amount" : {
      "amount" : "2.00",
      "currency" : "USD"
    },
    "refundId" : "67890122",
    "refundedAt" : "2023-12-06T09:00:00.000Z"
  } ],
  "orderDetails" : { },
  "events" : [ {
    "id" : "2ZDXLYkDejYZknHpQgXaXNSkQn5",
    "created" : "2023-12-05T03:06:22.412Z",
    "expires" : "2023-12-12T03:06:22.412Z",
    "type" : "AUTH_APPROVED",
    "amount" : {
      "amount" : "20.00",
      "currency" : "USD"
    }
  }, {
    "id" : "2ZDXLYkDejYZknHpQgXaXNSkQn8",
    "created" : "2023-12-06T09:00:00.000Z",
    "expires" : null,
    "type" : "VOIDED",
    "amount" : {
      "amount" : "2.00",
      "currency" : "USD"
    }
  }, {
    "id" : "2ZDXLYkDejYZknHpQgXaXNSkQn9",
    "created" : "2023-12-07T10:30:00.000Z",
    "expires" : null,
    "type" : "CAPTURED",
    "amount" : {
      "amount" : "2.00",
      "currency" : "USD"
    },
    "paymentEventMerchantReference" : "INV-2023-0001"
  } ]
}`

// refundJSON is the reference's Create Refund example (the request ID, cut
// short in the reference, is completed here).
const refundJSON = `{
  "requestId" : "956946da-b3a8-4b3b-9d2f-0e5d8f6c4a11",
  "amount" : {
    "amount" : "10.00",
    "currency" : "USD"
  },
  "merchantReference" : "merchantRefundId-1234",
  "refundId" : "67890123",
  "refundedAt" : "2024-01-01T00:00:00.000Z",
  "refundMerchantReference" : "merchantRefundId-1234"
}`

// configurationJSON is the reference's Get Configuration example.
const configurationJSON = `{"minimumAmount":{"amount":"10.00","currency":"USD"},"maximumAmount":{"amount":"2000.00","currency":"USD"}}`

const configurationIncludeJSON = `{
  "minimumAmount" : {
    "amount" : "10.00",
    "currency" : "USD"
  },
  "maximumAmount" : {
    "amount" : "2000.00",
    "currency" : "USD"
  },
  "publicId" : "e1e5632e-e4e6-4d3c-a2e4-1f6b5f0f0a11",
  "consumerLending" : {
    "enabled" : true,
    "minimumAmount" : {
      "amount" : "400.00",
      "currency" : "USD"
    },
    "maximumAmount" : {
      "amount" : "10000.00",
      "currency" : "USD"
    }
  },
  "payByInstallment" : {
    "minimumAmount" : {
      "amount" : "1.00",
      "currency" : "USD"
    },
    "maximumAmount" : {
      "amount" : "2000.00",
      "currency" : "USD"
    }
  }
}`

const paymentListJSON = `{
  "totalResults" : 3,
  "offset" : 0,
  "limit" : 2,
  "results" : [ ` + paymentCapturedJSON + `, ` + paymentAuthApprovedJSON + ` ],
  "nextPageUrl" : "https://global-api-sandbox.afterpay.com/v2/payments?limit=2&cursor=eyJvZmZzZXQiOjJ9"
}`

// disputeJSON has epoch timestamps both as strings and as numbers.
const disputeJSON = `{
  "id" : "dp_5kRZ4vJ9qS2x",
  "order" : "002.k8h0d6pq1btdv4c3l3o1b7n1jq8bhs0qgs2tjd8t5k6vmcq7",
  "amount" : "20.00",
  "currency" : "USD",
  "reason" : "product_not_received",
  "status" : "needs_response",
  "open" : true,
  "responseDueBy" : "1704931200",
  "createdAt" : 1703808000,
  "updatedAt" : "1703808000",
  "transactionDate" : "1703721600",
  "openingNote" : "Parcel never arrived at 123 Fake Street",
  "closingReason" : null,
  "merchantOrderId" : "S00043",
  "settlementAmount" : "20.00",
  "meta" : {
    "transactionAmount" : "20.00",
    "network" : "Visa",
    "networkReferenceId" : "nr_123",
    "orderType" : "ONLINE"
  }
}`

const disputeListJSON = `{
  "data" : [ ` + disputeJSON + ` ],
  "offset" : 0,
  "limit" : 10,
  "total" : 1
}`
