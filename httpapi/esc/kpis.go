package esc

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// A VM group's kpi_data and rules are kept as written; what orca acts on
// is read from them here. A KPI whose collector is ICMPPing is liveness
// (the group is monitored: failed VMs are recovered); any other collector
// names a metric the VIM measures. A rule on a KPI's event whose actions
// run ESC's servicescaleup or servicescaledown scripts makes, for an
// elastic group, a scale rule: the group grows or shrinks by one VM when
// the mean of the metric over its VMs meets the KPI's condition.

type dmKPI struct {
	EventName   string `xml:"event_name" json:"event_name"`
	MetricValue string `xml:"metric_value" json:"metric_value"`
	MetricCond  string `xml:"metric_cond" json:"metric_cond"`
	Collector   struct {
		Type string `xml:"type" json:"type"`
	} `xml:"metric_collector" json:"metric_collector"`
}

type dmRule struct {
	EventName string   `xml:"event_name" json:"event_name"`
	Action    []string `xml:"action" json:"action"`
}

// listOf reads a JSON value that is one object or a list of them.
func listOf[T any](raw json.RawMessage) ([]T, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var many []T
	if err := json.Unmarshal(raw, &many); err == nil {
		return many, nil
	}
	var one T
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, err
	}
	return []T{one}, nil
}

// kpisOf reads a group's KPIs and rules, in the format they came in.
func kpisOf(kpiData, rules *freeXML) ([]dmKPI, []dmRule, error) {
	var kpis []dmKPI
	var rs []dmRule
	if kpiData != nil && json.Valid(kpiData.Inner) {
		var k struct {
			KPI json.RawMessage `json:"kpi"`
		}
		if err := json.Unmarshal(kpiData.Inner, &k); err != nil {
			return nil, nil, err
		}
		var err error
		if kpis, err = listOf[dmKPI](k.KPI); err != nil {
			return nil, nil, err
		}
	} else if kpiData != nil {
		var k struct {
			KPI []dmKPI `xml:"kpi"`
		}
		if err := xml.Unmarshal([]byte("<kpi_data>"+string(kpiData.Inner)+"</kpi_data>"), &k); err != nil {
			return nil, nil, err
		}
		kpis = k.KPI
	}
	if rules != nil && json.Valid(rules.Inner) {
		var r struct {
			Admin struct {
				Rule json.RawMessage `json:"rule"`
			} `json:"admin_rules"`
		}
		if err := json.Unmarshal(rules.Inner, &r); err != nil {
			return nil, nil, err
		}
		var err error
		if rs, err = listOf[dmRule](r.Admin.Rule); err != nil {
			return nil, nil, err
		}
	} else if rules != nil {
		var r struct {
			Rule []dmRule `xml:"admin_rules>rule"`
		}
		if err := xml.Unmarshal([]byte("<rules>"+string(rules.Inner)+"</rules>"), &r); err != nil {
			return nil, nil, err
		}
		rs = r.Rule
	}
	return kpis, rs, nil
}

// hasKPIs reports whether a group has KPIs: it is then monitored.
func hasKPIs(g *dmVMGroup) bool {
	return g.KPIData != nil && len(strings.TrimSpace(string(g.KPIData.Inner))) > 0
}

// applyKPIs sets what a group's KPIs and rules make of it: monitored when
// it has KPIs, and its scale rules when it is elastic.
func applyKPIs(field string, g *dmVMGroup, out *resource.VMGroup) error {
	kpis, rules, err := kpisOf(g.KPIData, g.Rules)
	if err != nil {
		return resource.InvalidField(field+".kpi_data", "the KPIs or rules cannot be read: %v", err)
	}
	out.Monitored = hasKPIs(g)
	out.Elastic = g.Scaling != nil && g.Scaling.Elastic
	if !out.Elastic {
		return nil
	}
	for _, r := range rules {
		action := ""
		for _, a := range r.Action {
			switch {
			case strings.Contains(a, "servicescaleup"):
				action = resource.ScaleOut
			case strings.Contains(a, "servicescaledown"):
				action = resource.ScaleIn
			}
		}
		if action == "" {
			continue
		}
		for i, k := range kpis {
			if k.EventName != r.EventName || strings.EqualFold(k.Collector.Type, "ICMPPing") {
				continue
			}
			kf := fmt.Sprintf("%s.kpi_data.kpi[%d]", field, i)
			v, err := strconv.ParseFloat(strings.TrimSpace(k.MetricValue), 64)
			if err != nil {
				return resource.InvalidField(kf+".metric_value", "%q is not a number", k.MetricValue)
			}
			cond := strings.ToUpper(strings.TrimSpace(k.MetricCond))
			switch cond {
			case "GT", "GE", "LT", "LE":
			default:
				return resource.InvalidField(kf+".metric_cond", "%q is not one of GT, GE, LT, LE", k.MetricCond)
			}
			if k.Collector.Type == "" {
				return resource.InvalidField(kf+".metric_collector.type", "a scaling KPI names its metric")
			}
			out.ScaleRules = append(out.ScaleRules, resource.ScaleRule{Metric: k.Collector.Type, Cond: cond, Threshold: v, Action: action})
		}
	}
	return nil
}
