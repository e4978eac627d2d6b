-- Argo CD health of a BiasIncident: Degraded while a Sev1 or Sev2 incident is
-- open (not Resolved), so the application shows that someone must respond.
local state = (obj.status ~= nil and obj.status.state) or (obj.spec ~= nil and obj.spec.state) or "Open"
local severity = (obj.status ~= nil and obj.status.severity) or ""
if state == "Resolved" then
  return {status = "Healthy", message = "Resolved"}
end
if severity == "Sev1" or severity == "Sev2" then
  local msg = severity .. " incident " .. state
  if obj.status.acknowledgeBy ~= nil and state == "Open" then
    msg = msg .. ", acknowledge by " .. obj.status.acknowledgeBy
  end
  return {status = "Degraded", message = msg}
end
if severity == "" then
  return {status = "Progressing", message = "Opening"}
end
return {status = "Healthy", message = severity .. " incident " .. state}
