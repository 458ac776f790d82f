# Sourced by scripts that start the bot in Production with examples/policies (.ci/publish-smoke, tools/load.sh):
# exports the settings of the provider instances the example policy names. The servers are not there (nothing
# connects until someone is granted payments-db-readonly or deploy-prod, and that grant fails saying so); the
# webhook secret and the token signing key are made for this run and never written anywhere.
export Providers__postgres__payments__ConnectionString="Host=127.0.0.1;Port=1;Database=payments;Username=jitbot_admin"
export Providers__webhook__deploys__Url="http://127.0.0.1:1/jitbot/events"
Providers__webhook__deploys__Secret=$(openssl rand -hex 24)
Providers__token__internal__SigningKey=$(openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt)
export Providers__webhook__deploys__Secret Providers__token__internal__SigningKey
