{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "Y0pLeJBQ2bzQS00tH/RNqYa/Y/EaNMl89zNawpWx6hbUsCIQpsjAfhbaqbXlMQn/c3ZkZo8psZTw+NPQHx23DA=="
}
