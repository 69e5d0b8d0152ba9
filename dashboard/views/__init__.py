"""Pages. `fleet_*` modules serve the fleet-wide pages, `service_*` one service's pages."""
